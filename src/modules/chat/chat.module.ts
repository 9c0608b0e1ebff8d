import { ChatPersonalData } from './chat.personal-data';
import { AuthModule } from 'src/modules/auth/auth.module';
import { Module } from '@nestjs/common';
import { ChatAttachmentsService } from './chat-attachments.service';
import { NotificationsModule } from 'src/modules/notifications/notifications.module';
import { ChatActivityService } from './chat-activity.service';
import { UsersModule } from 'src/modules/users/users.module';
import { ChatController } from './chat.controller';
import { ChatMessageLookupService } from './chat-message-lookup.service';
import { ChatGateway } from './chat.gateway';
import { ChatPresenceService } from './chat-presence.service';
import { ChatRealtimeService } from './chat-realtime.service';
import { ChatRepository } from './chat.repository';
import { ChatConversationsService } from './chat-conversations.service';
import { ChatMembersService } from './chat-members.service';
import { ChatMessagesService } from './chat-messages.service';
import { ChatReadStateService } from './chat-read-state.service';
import { ChatExportRepository } from './import/chat-export.repository';
import { ChatExportService } from './import/chat-export.service';
import { ChatImportController } from './import/chat-import.controller';
import { ChatImportProcessor } from './import/chat-import.processor';
import { ChatImportRepository } from './import/chat-import.repository';
import { ChatImportService } from './import/chat-import.service';

/**
 * Chat: direct and group conversations, messages, attachments, read state, search, the `/chat` Socket.IO namespace,
 * and imports (WhatsApp / Telegram exports, queue `chat`) and exports of conversations.
 */
@Module({
  imports: [NotificationsModule, UsersModule, AuthModule],
  controllers: [ChatController, ChatImportController],
  providers: [
    ChatPersonalData,
    ChatRepository,
    ChatMembersService,
    ChatConversationsService,
    ChatMessagesService,
    ChatReadStateService,
    ChatMessageLookupService,
    ChatActivityService,
    ChatAttachmentsService,
    ChatRealtimeService,
    ChatPresenceService,
    ChatGateway,
    ChatImportService,
    ChatImportRepository,
    ChatExportService,
    ChatExportRepository,
    ChatImportProcessor,
  ],
  exports: [ChatMessageLookupService],
})
export class ChatModule {}
