/** Realtime events of chat imports, on `/notifications` (see `src/realtime/events.ts`). */
declare module 'src/realtime/events' {
  interface RealtimeEvents {
    /** A chat import stored another batch of messages (to the importing user; after each batch committed). */
    'chat.import.progress': { importId: string; processed: number; total: number | null };
    /** A chat import finished: its conversation holds `processed` messages. */
    'chat.import.completed': { importId: string; conversationId: string; processed: number };
    /** A chat import failed; nothing of it was kept. `line` (WhatsApp) / `entry` (Telegram) say where in the file. */
    'chat.import.failed': {
      importId: string;
      error: { code: string; message: string; line?: number; entry?: number; path?: string };
    };
  }
}

export {};
