import { defineDomain } from 'src/common/domain/domain-definition';
import { ChatAttachment } from './chat-attachment.entity';
import { ChatMessage } from './chat-message.entity';
import { ChatError } from './chat.errors';
import { ConversationMember } from './conversation-member.entity';
import { Conversation } from './conversation.entity';
import { ChatImport } from './import/chat-import.entity';
import { ChatImportError } from './import/chat-import.errors';
import { CHAT_QUEUE_DEFINITION } from './import/chat-import.jobs';

export enum ChatPermission {
  /** Take part in the organization's chat: conversations with other members, messages, search. */
  Use = 'chat.use',
}

export const chatDomain = defineDomain({
  name: 'chat',
  summary: 'Realtime chat: conversations, messages, reactions, receipts, attachments, imports of chat exports',
  entities: [Conversation, ConversationMember, ChatMessage, ChatAttachment, ChatImport],
  errors: [ChatError, ChatImportError],
  queues: [CHAT_QUEUE_DEFINITION],
  permissions: {
    [ChatPermission.Use]: {
      description: "Take part in the organization's chat: conversations with other members, messages, search",
      roles: ['admin', 'member'],
    },
  },
  webhookEvents: {
    'chat.conversation.created': 'A chat conversation (direct or group) was started',
    'chat.message.created': 'A chat message was sent (with its text)',
    'chat.message.updated': 'A chat message was edited (with its new text)',
    'chat.message.deleted': 'A chat message was deleted',
  },
  realtimeNamespaces: { '/chat': 'Messages, typing, presence and read receipts' },
  personalData: {
    exportSections: {
      conversations: 'Conversations this account is a member of',
      chatMessages: 'Messages this account wrote (text, reply, edits; attachments by name and size)',
      chatImports: 'Chat exports this account imported (file, state, counts)',
    },
  },
});
