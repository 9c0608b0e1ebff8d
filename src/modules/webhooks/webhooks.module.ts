import { WebhooksPersonalData } from './webhooks.personal-data';
import { WebhookEventsListener } from './webhook-events.listener';
import { Global, Module } from '@nestjs/common';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksProcessor } from './webhooks.processor';
import { WebhooksService } from './webhooks.service';

/** Outgoing webhooks. Global: every module emits its events through `WebhooksService.publish()`. */
@Global()
@Module({
  controllers: [WebhooksController],
  providers: [WebhooksPersonalData, WebhooksService, WebhookDispatcher, WebhooksProcessor, WebhookEventsListener],
  exports: [WebhooksService],
})
export class WebhooksModule {}
