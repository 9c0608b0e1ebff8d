import type { EntityClass } from '@mikro-orm/core';
import type { DomainDefinition, PermissionDefinition } from 'src/common/domain/domain-definition';
import type { QueueDefinition } from 'src/queue/queue.types';
import { adminDomain } from 'src/modules/admin/admin.domain';
import { authDomain } from 'src/modules/auth/auth.domain';
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
export const DOMAINS: readonly DomainDefinition[] = [
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
];

/** Every entity, for MikroORM (the application, the migration CLI and the tests). */
export const ENTITIES: readonly EntityClass<unknown>[] = DOMAINS.flatMap((domain) => domain.entities ?? []);

/** Every BullMQ queue with its jobs. */
export const QUEUES: readonly QueueDefinition[] = DOMAINS.flatMap((domain) => domain.queues ?? []);

/** Every organization permission, in API order. */
export const PERMISSIONS: Readonly<Record<string, PermissionDefinition>> = Object.assign(
  {},
  ...DOMAINS.map((domain) => domain.permissions ?? {}),
) as Record<string, PermissionDefinition>;

/** Every webhook event type a domain emits, with its description, in API order. */
export const WEBHOOK_EVENTS: Readonly<Record<string, string>> = Object.assign(
  {},
  ...DOMAINS.map((domain) => domain.webhookEvents ?? {}),
) as Record<string, string>;

/** Every Socket.IO namespace a domain serves. */
export const REALTIME_NAMESPACES: readonly string[] = DOMAINS.flatMap((domain) =>
  Object.keys(domain.realtimeNamespaces ?? {}),
);
