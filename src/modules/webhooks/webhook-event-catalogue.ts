import { WEBHOOK_EVENTS } from 'src/domains';
import {
  PublishedWebhookEventType,
  WEBHOOK_TEST_DESCRIPTION,
  WEBHOOK_TEST_EVENT,
  WebhookEventType,
} from './webhook-events';

/**
 * Every webhook event type with its description, in API order: those the domains describe in their definitions
 * (`WEBHOOK_EVENTS`, collected in `src/domains.ts`), then `webhook.test`. What `GET /webhooks/event-types` serves.
 */
export const WEBHOOK_EVENT_CATALOGUE: Readonly<Record<WebhookEventType, string>> = {
  ...WEBHOOK_EVENTS,
  [WEBHOOK_TEST_EVENT]: WEBHOOK_TEST_DESCRIPTION,
};

/** Every webhook event type, in API order: the values of the OpenAPI `WebhookEventType` enum and its validation. */
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENT_CATALOGUE) as readonly WebhookEventType[];

/** The types domains publish on the domain event bus (all but `webhook.test`), which `WebhookEventsListener` hears. */
export const PUBLISHED_WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as readonly PublishedWebhookEventType[];
