import type { EntityClass } from '@mikro-orm/core';
import type { DomainDefinition, PermissionDefinition } from 'src/common/domain/domain-definition';
import type { QueueDefinition } from 'src/queue/queue.types';
import type { PublishedWebhookEventType } from 'src/modules/webhooks/webhook-events';
import { adminDomain } from 'src/modules/admin/admin.domain';
import { authDomain } from 'src/modules/auth/auth.domain';
import { campaignsDomain } from 'src/modules/campaigns/campaigns.domain';
import { chatDomain } from 'src/modules/chat/chat.domain';
import { healthDomain } from 'src/modules/health/health.domain';
import { mailDomain } from 'src/modules/mail/mail.domain';
import { mailerDomain } from 'src/modules/mailer/mailer.domain';
import { meetingsDomain } from 'src/modules/meetings/meetings.domain';
import { metricsDomain } from 'src/modules/metrics/metrics.domain';
import { notificationsDomain } from 'src/modules/notifications/notifications.domain';
import { organizationsDomain } from 'src/modules/organizations/organizations.domain';
import { reportsDomain } from 'src/modules/reports/reports.domain';
import { settingsDomain } from 'src/modules/settings/settings.domain';
import { systemDomain } from 'src/modules/system/system.domain';
import { usersDomain } from 'src/modules/users/users.domain';
import { webhooksDomain } from 'src/modules/webhooks/webhooks.domain';

/**
 * Every domain's definition: the one list (with `src/app.module.ts`, which imports the modules) that a new domain
 * joins. The order is the order of the permission and webhook event lists in the API.
 */
const DEFINITIONS = [
  mailerDomain,
  systemDomain,
  healthDomain,
  metricsDomain,
  usersDomain,
  authDomain,
  adminDomain,
  organizationsDomain,
  webhooksDomain,
  settingsDomain,
  mailDomain,
  notificationsDomain,
  chatDomain,
  reportsDomain,
  meetingsDomain,
  campaignsDomain,
] as const satisfies readonly DomainDefinition[];

/** `DEFINITIONS` as the platform reads them; the tuple above keeps each definition's literal type for the checks below. */
export const DOMAINS: readonly DomainDefinition[] = DEFINITIONS;

/** Every entity, for MikroORM (the application, the migration CLI and the tests). */
export const ENTITIES: readonly EntityClass<unknown>[] = DOMAINS.flatMap((domain) => domain.entities ?? []);

/** Every BullMQ queue with its jobs. */
export const QUEUES: readonly QueueDefinition[] = DOMAINS.flatMap((domain) => domain.queues ?? []);

/** Every organization permission, in API order. */
export const PERMISSIONS: Readonly<Record<string, PermissionDefinition>> = Object.assign(
  {},
  ...DOMAINS.map((domain) => domain.permissions ?? {}),
) as Record<string, PermissionDefinition>;

/** The webhook event types the domain definitions describe (the keys of their `webhookEvents`). */
type DescribedWebhookEventType = (typeof DEFINITIONS)[number] extends infer D
  ? D extends { webhookEvents: infer E }
    ? keyof E
    : never
  : never;

/**
 * The type of `WEBHOOK_EVENTS` when the types described by the definitions are exactly those the domains declare on
 * `WebhookEventData` (in their `<domain>.webhooks.ts`, `webhook.test` aside); otherwise a type naming the types
 * declared without a description and the descriptions of undeclared types, so `WEBHOOK_EVENTS` below fails to compile.
 */
type CheckedWebhookEvents = [
  Exclude<PublishedWebhookEventType, DescribedWebhookEventType>,
  Exclude<DescribedWebhookEventType, PublishedWebhookEventType>,
] extends [never, never]
  ? Readonly<Record<PublishedWebhookEventType, string>>
  : {
      declaredWithoutDescription: Exclude<PublishedWebhookEventType, DescribedWebhookEventType>;
      describedButNotDeclared: Exclude<DescribedWebhookEventType, PublishedWebhookEventType>;
    };

/**
 * Every webhook event type a domain emits, with its description, in API order (`webhook.test`, the webhooks
 * domain's own, is not in it). Checked at compile time against the types declared on `WebhookEventData`.
 */
export const WEBHOOK_EVENTS: CheckedWebhookEvents = Object.assign(
  {},
  ...DOMAINS.map((domain) => domain.webhookEvents ?? {}),
) as Readonly<Record<PublishedWebhookEventType, string>>;

/** Every Socket.IO namespace a domain serves. */
export const REALTIME_NAMESPACES: readonly string[] = DOMAINS.flatMap((domain) =>
  Object.keys(domain.realtimeNamespaces ?? {}),
);
