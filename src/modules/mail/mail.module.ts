import { Module } from '@nestjs/common';
import { OrganizationsModule } from 'src/modules/organizations/organizations.module';
import { MailAccountsController } from './mail-accounts.controller';
import { MailAccountsService } from './mail-accounts.service';

/** Users' own mailboxes: accounts (this slice); sync, messages, search and sending build on it. */
@Module({
  imports: [OrganizationsModule],
  controllers: [MailAccountsController],
  providers: [MailAccountsService],
  exports: [MailAccountsService],
})
export class MailModule {}
