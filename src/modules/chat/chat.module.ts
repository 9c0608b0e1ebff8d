import { Module } from '@nestjs/common';
import { ChatAttachmentsService } from './chat-attachments.service';
import { ChatController } from './chat.controller';
import { ChatGateway } from './chat.gateway';
import { ChatPresenceService } from './chat-presence.service';
import { ChatRealtimeService } from './chat-realtime.service';
import { ChatService } from './chat.service';

/** Chat: direct and group conversations, messages, attachments, read state, search, and the `/chat` Socket.IO namespace. */
@Module({
  controllers: [ChatController],
  providers: [ChatService, ChatAttachmentsService, ChatRealtimeService, ChatPresenceService, ChatGateway],
  exports: [ChatService],
})
export class ChatModule {}
