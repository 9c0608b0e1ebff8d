/** Webhook events of mail (see `src/modules/webhooks/webhook-events.ts`), described in `mail.domain.ts`. */
declare module 'src/modules/webhooks/webhook-events' {
  interface WebhookEventData {
    'mail.received': {
      accountId: string;
      userId: string;
      /** The message's id in Switchboard (GET /mail/messages/{id}). */
      id: string;
      folder: string;
      subject: string | null;
      from: { name: string | null; address: string | null } | null;
      internalDate: string;
    };
    'mail.account_state': { accountId: string; userId: string; state: string; error: string | null };
    'mail.sent': { accountId: string; userId: string; id: string; messageId: string; sentAt: string };
    'mail.send_failed': { accountId: string; userId: string; id: string; error: string };
  }
}

export {};
