import { MailerPersonalData } from './mailer.personal-data';
import { Global, Module } from '@nestjs/common';
import { MailTransport } from './mail-transport';
import { MailerProcessor } from './mailer.processor';
import { MailerService } from './mailer.service';

/** System mail for every module (`MailerService.send`), delivered by the `system` queue's worker. */
@Global()
@Module({
  providers: [MailerPersonalData, MailTransport, MailerService, MailerProcessor],
  exports: [MailerService],
})
export class MailerModule {}
