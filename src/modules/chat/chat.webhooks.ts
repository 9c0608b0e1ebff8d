/** Webhook events of chat (see `src/modules/webhooks/webhook-events.ts`), described in `chat.domain.ts`. */

interface ChatMessageData {
  conversationId: string;
  conversationType: string;
  /** The message's id (GET /chat/conversations/{conversationId}/messages). */
  id: string;
  authorId: string;
  body: string;
  replyToId: string | null;
  /** Mentioned members' user ids. */
  mentions: string[];
  createdAt: string;
}

declare module 'src/modules/webhooks/webhook-events' {
  interface WebhookEventData {
    'chat.conversation.created': {
      conversationId: string;
      type: string;
      title: string | null;
      createdById: string;
      memberIds: string[];
    };
    'chat.message.created': ChatMessageData;
    'chat.message.updated': ChatMessageData & { editedAt: string };
    'chat.message.deleted': {
      conversationId: string;
      id: string;
      deletedById: string;
      deletedAt: string;
    };
  }
}

export {};
