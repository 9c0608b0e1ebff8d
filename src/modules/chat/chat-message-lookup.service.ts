import { Injectable } from '@nestjs/common';
import { ChatRepository, type VisibleChatMessage } from './chat.repository';

export type { VisibleChatMessage } from './chat.repository';

/**
 * What other domains may ask the chat about its messages (exported by ChatModule; they never read chat's tables).
 * Reports use it to check and snapshot a reported message.
 */
@Injectable()
export class ChatMessageLookupService {
  constructor(private readonly chat: ChatRepository) {}

  /** A message of a conversation `userId` is a member of (deleted ones too); null for any other id. */
  visibleMessage(userId: string, messageId: string): Promise<VisibleChatMessage | null> {
    return this.chat.findVisibleMessage(userId, messageId);
  }
}
