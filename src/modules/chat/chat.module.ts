import { Module } from '@nestjs/common';
import { ChatAttachmentsService } from './chat-attachments.service';
import { NotificationsModule } from 'src/modules/notifications/notifications.module';
import { ChatActivityService } from './chat-activity.service';
import { ChatController } from './chat.controller';
import { ChatGateway } from './chat.gateway';
import { ChatPresenceService } from './chat-presence.service';
import { ChatRealtimeService } from './chat-realtime.service';
import { ChatService } from './chat.service';

/** Chat: direct and group conversations, messages, attachments, read state, search, and the `/chat` Socket.IO namespace. */
@Module({
  imports: [NotificationsModule],
  controllers: [ChatController],
  providers: [
    ChatService,
    ChatActivityService,
    ChatAttachmentsService,
    ChatRealtimeService,
    ChatPresenceService,
    ChatGateway,
  ],
  exports: [ChatService],
})
export class ChatModule {}
