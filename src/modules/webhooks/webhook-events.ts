/**
 * The `data` of each webhook event type an organization can subscribe a webhook endpoint to. Only `webhook.test`
 * is declared here; each domain adds the events it emits by declaration merging from its own folder
 * (`src/modules/<domain>/<domain>.webhooks.ts`:
 * `declare module 'src/modules/webhooks/webhook-events' { interface WebhookEventData { … } }`), and describes them in
 * its definition (`webhookEvents` in `<domain>.domain.ts`), which `GET /api/v1/webhooks/event-types` serves.
 * `src/domains.ts` fails to compile when a declared type has no description or a description no declared type.
 */
export interface WebhookEventData {
  /** Sent only by `POST /webhooks/endpoints/{id}/test`, to that endpoint. */
  'webhook.test': { endpointId: string; message: string };
}

/** Every webhook event type (`organization.updated`, `chat.message.created`…, `webhook.test`). */
export type WebhookEventType = keyof WebhookEventData;

/** The one event no domain publishes: sent only by `POST /webhooks/endpoints/{id}/test`, to that endpoint. */
export const WEBHOOK_TEST_EVENT = 'webhook.test' satisfies WebhookEventType;

/** Description of `webhook.test`, the one event no domain publishes (the other types are described by their domains). */
export const WEBHOOK_TEST_DESCRIPTION = 'A test event sent on request to one endpoint';

/** The webhook event types domains publish: all but `webhook.test`. */
export type PublishedWebhookEventType = Exclude<WebhookEventType, typeof WEBHOOK_TEST_EVENT>;

/**
 * A domain event that is also a webhook event: published on the domain event bus under the webhook event's type
 * (`member.left`…) by the domain it belongs to, and turned into deliveries by the webhooks domain
 * (`WebhookEventsListener`) once the publisher's transaction committed.
 */
export interface WebhookDomainEvent<T extends WebhookEventType> {
  organizationId: string;
  data: WebhookEventData[T];
  requestId?: string;
}

/** The webhook events as domain events (`webhook.test` is only sent by its route, never published). */
export type WebhookDomainEvents = {
  [T in PublishedWebhookEventType]: WebhookDomainEvent<T>;
};

declare module 'src/common/events/domain-events' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface DomainEvents extends WebhookDomainEvents {}
}
