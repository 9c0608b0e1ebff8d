/** Realtime events of mail, on `/notifications` (see `src/realtime/events.ts`). */
declare module 'src/realtime/events' {
  interface RealtimeEvents {
    /** A mail account's synchronisation state changed (e.g. `syncing` → `idle`, or `error` with a reason). */
    'account.sync_state': { accountId: string; state: string; error?: string };
    /** A new message arrived in a mail account (after its folder's first sync); fetch it with GET /mail/messages/{id}. */
    'mail.received': {
      accountId: string;
      folderId: string;
      id: string;
      subject: string | null;
      from: { name: string | null; address: string | null } | null;
      internalDate: string;
    };
    /** Messages' flags changed (on the server or through the API). */
    'mail.updated': { accountId: string; folderId: string; ids: string[] };
    /** Messages were expunged or moved away from a folder. */
    'mail.deleted': { accountId: string; folderId: string; ids: string[] };
    /** An outgoing message was accepted by the SMTP server (`id` is the outbox entry). */
    'mail.sent': { accountId: string; id: string; messageId: string };
    /** An outgoing message failed for good (after its retries, or refused by the server). */
    'mail.send_failed': { accountId: string; id: string; error: string };
  }
}

export {};
