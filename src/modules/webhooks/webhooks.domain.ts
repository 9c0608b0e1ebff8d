import { defineDomain } from 'src/common/domain/domain-definition';
import { WebhookAttempt } from './webhook-attempt.entity';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookMessage } from './webhook-message.entity';
import { WebhookError } from './webhooks.errors';
import { WEBHOOKS_QUEUE_DEFINITION } from './webhooks.jobs';

export enum WebhookPermission {
  Manage = 'webhooks.manage',
}

export const webhooksDomain = defineDomain({
  name: 'webhooks',
  summary: 'Signed outgoing webhooks: endpoints, deliveries with retries, replay',
  entities: [WebhookEndpoint, WebhookMessage, WebhookDelivery, WebhookAttempt],
  errors: [WebhookError],
  queues: [WEBHOOKS_QUEUE_DEFINITION],
  permissions: {
    [WebhookPermission.Manage]: {
      description: 'Register webhook endpoints, see and replay deliveries',
      roles: ['admin'],
    },
  },
  personalData: { exportSections: { webhookEndpointsCreated: 'Webhook endpoints this account registered' } },
});
