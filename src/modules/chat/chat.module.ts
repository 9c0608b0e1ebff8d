import { Module } from '@nestjs/common';
import { ChatController } from './chat.controller';
import { ChatGateway } from './chat.gateway';
import { ChatPresenceService } from './chat-presence.service';
import { ChatRealtimeService } from './chat-realtime.service';
import { ChatService } from './chat.service';

/** Chat: direct and group conversations, messages, read state, search, and the `/chat` Socket.IO namespace. */
@Module({
  controllers: [ChatController],
  providers: [ChatService, ChatRealtimeService, ChatPresenceService, ChatGateway],
  exports: [ChatService],
})
export class ChatModule {}
