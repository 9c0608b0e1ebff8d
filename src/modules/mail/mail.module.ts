import { Module } from '@nestjs/common';
import { OrganizationsModule } from 'src/modules/organizations/organizations.module';
import { MailAccountsController } from './mail-accounts.controller';
import { MailAccountsService } from './mail-accounts.service';
import { MailActionsService } from './mail-actions.service';
import { MailAttachmentsService } from './mail-attachments.service';
import { MailInteractiveService } from './mail-interactive.service';
import { MailConnectionsService } from './mail-connections.service';
import { MailMessagesController } from './mail-messages.controller';
import { MailMessagesService } from './mail-messages.service';
import { MailProcessor } from './mail.processor';
import { MailSyncService } from './mail-sync.service';

/** Users' own mailboxes: accounts (this slice); sync, messages, search and sending build on it. */
@Module({
  imports: [OrganizationsModule],
  controllers: [MailAccountsController, MailMessagesController],
  providers: [
    MailAccountsService,
    MailSyncService,
    MailConnectionsService,
    MailMessagesService,
    MailInteractiveService,
    MailActionsService,
    MailAttachmentsService,
    MailProcessor,
  ],
  exports: [MailAccountsService],
})
export class MailModule {}
