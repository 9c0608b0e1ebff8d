import { Injectable } from '@nestjs/common';
import { afterCursor, EXPORT_PAGE, pagedRows } from 'src/common/domain/personal-data';
import { OnDomainEvent, type DomainEvents } from 'src/common/events/domain-events';
import type {} from 'src/modules/settings/settings.events';
import { ApiKey } from './api-key.entity';
import { Invitation } from './invitation.entity';
import { Membership } from './membership.entity';

/** The organizations domain's part of the data export: memberships, invitations sent, API keys created. */
@Injectable()
export class OrganizationsPersonalData {
  @OnDomainEvent('account.export', { phase: 'transaction' })
  contribute({ add }: DomainEvents['account.export']): void {
    add({
      name: 'organizations',
      rows: (em, userId) =>
        pagedRows(
          (after) =>
            em.find(
              Membership,
              { user: userId, ...afterCursor(after) },
              { ...EXPORT_PAGE, populate: ['organization'] },
            ),
          (m) => ({
            organizationId: m.organization.id,
            name: m.organization.name,
            slug: m.organization.slug,
            role: m.role,
            joinedAt: m.joinedAt,
          }),
        ),
    });
    add({
      name: 'invitationsSent',
      rows: (em, userId) =>
        pagedRows(
          (after) => em.find(Invitation, { invitedById: userId, ...afterCursor(after) }, EXPORT_PAGE),
          (i) => ({
            organizationId: i.organization.id,
            email: i.email,
            role: i.role,
            createdAt: i.createdAt,
            acceptedAt: i.acceptedAt ?? null,
            revokedAt: i.revokedAt ?? null,
          }),
        ),
    });
    add({
      name: 'apiKeysCreated',
      rows: (em, userId) =>
        pagedRows(
          (after) => em.find(ApiKey, { createdById: userId, ...afterCursor(after) }, EXPORT_PAGE),
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
    });
  }
}
