import { MailPersonalData } from './mail.personal-data';
import { Module } from '@nestjs/common';
import { OrganizationsModule } from 'src/modules/organizations/organizations.module';
import { MailAccountsController } from './mail-accounts.controller';
import { MailAccountsService } from './mail-accounts.service';
import { MailActionsService } from './mail-actions.service';
import { MailAttachmentsService } from './mail-attachments.service';
import { MailInteractiveService } from './mail-interactive.service';
import { MailConnectionsService } from './mail-connections.service';
import { MailHostPolicy } from './mail-host-policy';
import { MailMessagesController } from './mail-messages.controller';
import { MailMessagesRepository } from './mail-messages.repository';
import { MailMessagesService } from './mail-messages.service';
import { MailProcessor } from './mail.processor';
import { MailSyncService } from './mail-sync.service';
import { MailParsePool } from './mail-parse.pool';
import { MailComposeService } from './mail-compose.service';
import { MailDeliveryService } from './mail-delivery.service';
import { MailSendController } from './mail-send.controller';
import { MailSendService } from './mail-send.service';
import { MailSmtpPoolService } from './mail-smtp-pool.service';

/** Users' own mailboxes: accounts, sync, messages, search, actions, and sending (outbox, drafts, uploads). */
@Module({
  imports: [OrganizationsModule],
  controllers: [MailAccountsController, MailMessagesController, MailSendController],
  providers: [
    MailPersonalData,
    MailHostPolicy,
    MailAccountsService,
    MailParsePool,
    MailSyncService,
    MailConnectionsService,
    MailMessagesRepository,
    MailMessagesService,
    MailInteractiveService,
    MailActionsService,
    MailAttachmentsService,
    MailComposeService,
    MailSendService,
    MailSmtpPoolService,
    MailDeliveryService,
    MailProcessor,
  ],
  exports: [MailAccountsService],
})
export class MailModule {}
