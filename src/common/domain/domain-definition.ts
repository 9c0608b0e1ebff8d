import type { EntityClass } from '@mikro-orm/core';
import type { AppErrorClass } from 'src/common/errors/app-error';
import type { QueueDefinition } from 'src/queue/queue.types';

/** Roles of an organization a permission is granted to by default (owners hold every permission). */
export type DefaultRole = 'admin' | 'member';

export interface PermissionDefinition {
  description: string;
  /** Roles below owner that hold it. */
  roles: readonly DefaultRole[];
}

/** The user data a domain keeps, for the data export (`POST /settings/export-data`) and account deletion. */
export type PersonalData =
  /** Sections this domain adds to the export archive, name → what it holds (see `@OnDomainEvent('user.export')`). */
  | { exportSections: Readonly<Record<string, string>> }
  /** Why the domain keeps no data of its own about a user. */
  | { none: string };

/**
 * Everything a domain contributes to the platform, declared in one object in its own folder
 * (`src/modules/<name>/<name>.domain.ts`) and listed once in `src/domains.ts`. The platform layers read these
 * definitions (ORM entities, error statuses, queues, permissions, webhook event types, realtime namespaces); the
 * registry tests fail when a part of a domain is left out.
 */
export interface DomainDefinition {
  /** Folder name under `src/modules`. */
  name: string;
  /** One line for the module table and the generated reference. */
  summary: string;
  entities?: readonly EntityClass<unknown>[];
  /** Error classes; each carries its code → HTTP status table (`static readonly statuses`). */
  errors?: readonly AppErrorClass[];
  queues?: readonly QueueDefinition[];
  /** Permission name (`<domain>.<action>`) → definition. */
  permissions?: Readonly<Record<string, PermissionDefinition>>;
  /** Webhook event type → description (the event's `data` type is declared on `DomainEvents`). */
  webhookEvents?: Readonly<Record<string, string>>;
  /** Socket.IO namespaces this domain serves, path → description. */
  realtimeNamespaces?: Readonly<Record<string, string>>;
  personalData: PersonalData;
}

/** Identity function that checks a domain definition's shape and keeps its literal types. */
export function defineDomain<const D extends DomainDefinition>(definition: D): D {
  return definition;
}
