import { EntityManager, QueryOrder } from '@mikro-orm/postgresql';
import { Session } from 'src/modules/auth/session.entity';
import { ApiKey } from 'src/modules/organizations/api-key.entity';
import { Invitation } from 'src/modules/organizations/invitation.entity';
import { Membership } from 'src/modules/organizations/membership.entity';
import { AuditEvent } from 'src/modules/users/audit-event.entity';
import { WebhookEndpoint } from 'src/modules/webhooks/webhook-endpoint.entity';

const PAGE = 500;

/**
 * One array of the export archive, read in pages so a large history streams instead of loading at once.
 * A module that keeps user data adds its section here (mail, chat, calendar…).
 */
export interface ExportSection {
  name: string;
  description: string;
  rows(em: EntityManager, userId: string): AsyncIterable<unknown>;
}

/** Keyset pagination over (createdAt, id), mapping each row. */
async function* paged<T extends { id: string; createdAt: Date }>(
  fetch: (after: { createdAt: Date; id: string } | undefined) => Promise<T[]>,
  map: (row: T) => unknown,
): AsyncIterable<unknown> {
  let after: { createdAt: Date; id: string } | undefined;
  for (;;) {
    const rows = await fetch(after);
    for (const row of rows) {
      yield map(row);
    }
    if (rows.length < PAGE) {
      return;
    }
    const last = rows[rows.length - 1];
    after = { createdAt: last.createdAt, id: last.id };
  }
}

function afterCursor(after: { createdAt: Date; id: string } | undefined): object {
  return after
    ? { $or: [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, id: { $gt: after.id } }] }
    : {};
}

const ORDER = { orderBy: { createdAt: QueryOrder.ASC, id: QueryOrder.ASC }, limit: PAGE } as const;

export const EXPORT_SECTIONS: ExportSection[] = [
  {
    name: 'sessions',
    description: 'Sign-in sessions: device, address, activity',
    rows: (em, userId) =>
      paged(
        (after) => em.find(Session, { user: userId, ...afterCursor(after) }, ORDER),
        (s) => ({
          id: s.id,
          userAgent: s.userAgent ?? null,
          ip: s.ip ?? null,
          mfa: s.mfa,
          createdAt: s.createdAt,
          lastSeenAt: s.lastSeenAt,
          expiresAt: s.expiresAt,
          revokedAt: s.revokedAt ?? null,
          revokedReason: s.revokedReason ?? null,
        }),
      ),
  },
  {
    name: 'securityEvents',
    description: 'The audit log entries about this account or made by it',
    rows: (em, userId) =>
      paged(
        (after) =>
          em.find(
            AuditEvent,
            { $and: [{ $or: [{ subjectId: userId }, { actorId: userId }] }, afterCursor(after)] },
            ORDER,
          ),
        (e) => ({
          type: e.type,
          actorId: e.actorId ?? null,
          subjectId: e.subjectId ?? null,
          ip: e.ip ?? null,
          userAgent: e.userAgent ?? null,
          metadata: e.metadata ?? null,
          createdAt: e.createdAt,
        }),
      ),
  },
  {
    name: 'organizations',
    description: 'Organizations the account belongs to, with its role',
    rows: (em, userId) =>
      paged(
        (after) =>
          em.find(Membership, { user: userId, ...afterCursor(after) }, { ...ORDER, populate: ['organization'] }),
        (m) => ({
          organizationId: m.organization.id,
          name: m.organization.name,
          slug: m.organization.slug,
          role: m.role,
          joinedAt: m.joinedAt,
        }),
      ),
  },
  {
    name: 'invitationsSent',
    description: 'Invitations this account sent',
    rows: (em, userId) =>
      paged(
        (after) => em.find(Invitation, { invitedById: userId, ...afterCursor(after) }, ORDER),
        (i) => ({
          organizationId: i.organization.id,
          email: i.email,
          role: i.role,
          createdAt: i.createdAt,
          acceptedAt: i.acceptedAt ?? null,
          revokedAt: i.revokedAt ?? null,
        }),
      ),
  },
  {
    name: 'apiKeysCreated',
    description: 'API keys this account created (prefix and scopes; secrets are never stored)',
    rows: (em, userId) =>
      paged(
        (after) => em.find(ApiKey, { createdById: userId, ...afterCursor(after) }, ORDER),
        (k) => ({
          organizationId: k.organization.id,
          name: k.name,
          prefix: `sbk_${k.prefix}`,
          scopes: k.scopes,
          createdAt: k.createdAt,
          lastUsedAt: k.lastUsedAt ?? null,
          revokedAt: k.revokedAt ?? null,
        }),
      ),
  },
  {
    name: 'webhookEndpointsCreated',
    description: 'Webhook endpoints this account registered',
    rows: (em, userId) =>
      paged(
        (after) => em.find(WebhookEndpoint, { createdById: userId, ...afterCursor(after) }, ORDER),
        (w) => ({
          organizationId: w.organization.id,
          url: w.url,
          eventTypes: w.eventTypes,
          createdAt: w.createdAt,
        }),
      ),
  },
];
