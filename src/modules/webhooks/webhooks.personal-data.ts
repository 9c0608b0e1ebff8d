import { Injectable } from '@nestjs/common';
import { afterCursor, EXPORT_PAGE, pagedRows } from 'src/common/domain/personal-data';
import { OnDomainEvent, type DomainEvents } from 'src/common/events/domain-events';
import type {} from 'src/modules/settings/settings.events';
import { WebhookEndpoint } from './webhook-endpoint.entity';

/** The webhooks domain's part of the data export: endpoints the account registered. */
@Injectable()
export class WebhooksPersonalData {
  @OnDomainEvent('account.export', { phase: 'transaction' })
  contribute({ add }: DomainEvents['account.export']): void {
    add({
      name: 'webhookEndpointsCreated',
      rows: (em, userId) =>
        pagedRows(
          (after) => em.find(WebhookEndpoint, { createdById: userId, ...afterCursor(after) }, EXPORT_PAGE),
          (w) => ({
            organizationId: w.organization.id,
            url: w.url,
            eventTypes: w.eventTypes,
            createdAt: w.createdAt,
          }),
        ),
    });
  }
}
