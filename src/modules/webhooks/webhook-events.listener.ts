import { Injectable, OnModuleInit } from '@nestjs/common';
import { DomainEventBus } from 'src/common/events/domain-events';
import { PUBLISHED_WEBHOOK_EVENT_TYPES } from './webhook-event-catalogue';
import type { WebhookDomainEvent } from './webhook-events';
import { WebhooksService } from './webhooks.service';

/**
 * Webhook publishing subscribes to domain events: every webhook event type is a domain event of the same name,
 * and once its publisher's transaction committed, the event goes to the organization's subscribed endpoints.
 * Domains publish on the bus and never call the webhooks domain.
 */
@Injectable()
export class WebhookEventsListener implements OnModuleInit {
  constructor(
    private readonly bus: DomainEventBus,
    private readonly webhooks: WebhooksService,
  ) {}

  onModuleInit(): void {
    for (const type of PUBLISHED_WEBHOOK_EVENT_TYPES) {
      this.bus.register(type, 'committed', `${WebhookEventsListener.name}(${type})`, async (payload) => {
        const { organizationId, data, requestId } = payload as WebhookDomainEvent<typeof type>;
        await this.webhooks.publish(organizationId, type, data, requestId);
      });
    }
  }
}
