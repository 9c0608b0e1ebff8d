import { DomainEventBus } from 'src/common/events/domain-events';
import { EntityManager, LockMode, QueryOrder, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthUser } from 'src/common/auth/auth-user';
import { hashToken, randomToken } from 'src/common/crypto/secret-box';
import { AppConfigService } from 'src/config/app-config.service';
import { MailerService } from 'src/modules/mailer/mailer.service';
import { User } from 'src/modules/users/user.entity';
import type {} from './organizations.webhooks';
import { Invitation } from './invitation.entity';
import { Membership, OrgRole } from './membership.entity';
import { OrgContext } from './organization.decorators';
import { Organization } from './organization.entity';
import { toOrganizationDto } from './organizations.service';
import { CreateInvitationDto, InvitationDto, OrganizationDto } from './organizations.dto';
import { OrgError, OrgErrorCode } from './organizations.errors';
import { ROLE_RANK } from './permissions';
import { QuotaKey } from './plans';
import { UsageService } from './usage.service';

const INVITATION_TTL_MS = 7 * 86_400_000;

function toInvitationDto(invitation: Invitation): InvitationDto {
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    invitedById: invitation.invitedById,
    expiresAt: invitation.expiresAt.toISOString(),
    createdAt: invitation.createdAt.toISOString(),
  };
}

/** Invitations by email: a signed-off single-use token, resend, revoke, accept by the invited address. */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly em: EntityManager,
    private readonly mailer: MailerService,
    private readonly config: AppConfigService,
    private readonly usage: UsageService,
    private readonly events: DomainEventBus,
  ) {}

  async invite(org: OrgContext, actor: AuthUser, dto: CreateInvitationDto): Promise<InvitationDto> {
    if (org.role !== OrgRole.Owner && ROLE_RANK[dto.role] >= ROLE_RANK[org.role]) {
      throw new OrgError(OrgErrorCode.RankTooLow, `As ${org.role} you can only invite roles below yours`);
    }
    const email = dto.email.toLowerCase();
    const organization = await this.em.findOneOrFail(Organization, org.id);
    this.usage.assertRoom(organization, QuotaKey.Members, await this.em.count(Membership, { organization: org.id }));
    const alreadyMember = await this.em.count(Membership, { organization: org.id, user: { email } });
    if (alreadyMember > 0) {
      throw new OrgError(OrgErrorCode.AlreadyMember, `${email} is already a member`, { field: 'email' });
    }
    const token = randomToken(32);
    const invitation = await this.em.transactional(async (em) => {
      // One pending invitation per address: a new one replaces the old.
      await em.nativeUpdate(
        Invitation,
        { organization: org.id, email, acceptedAt: null, revokedAt: null },
        { revokedAt: new Date() },
      );
      const created = em.create(Invitation, {
        organization: org.id,
        email,
        role: dto.role,
        tokenHash: hashToken(token),
        invitedById: actor.id,
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      });
      await em.flush();
      return created;
    });
    await this.send(invitation, token);
    await this.events.publish('invitation.created', {
      organizationId: org.id,
      data: {
        invitationId: invitation.id,
        email,
        role: dto.role,
        invitedById: actor.id,
      },
    });
    return toInvitationDto(invitation);
  }

  async listPending(org: OrgContext): Promise<InvitationDto[]> {
    const pending = await this.em.find(
      Invitation,
      { organization: org.id, acceptedAt: null, revokedAt: null, expiresAt: { $gt: new Date() } },
      { orderBy: { createdAt: QueryOrder.DESC } },
    );
    return pending.map(toInvitationDto);
  }

  async revoke(org: OrgContext, actor: AuthUser, id: string): Promise<void> {
    const invitation = await this.pending(org, id);
    invitation.revokedAt = new Date();
    await this.em.flush();
    await this.events.publish('invitation.revoked', {
      organizationId: org.id,
      data: {
        invitationId: id,
        email: invitation.email,
        revokedById: actor.id,
      },
    });
  }

  /** A new token and a new mail; the old token stops working. */
  async resend(org: OrgContext, id: string): Promise<InvitationDto> {
    const invitation = await this.pending(org, id);
    const token = randomToken(32);
    invitation.tokenHash = hashToken(token);
    invitation.expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
    await this.em.flush();
    await this.send(invitation, token);
    return toInvitationDto(invitation);
  }

  /** Joins the caller to the organization; the account's email must be the invited one. */
  async accept(actor: AuthUser, token: string): Promise<OrganizationDto> {
    const invitation = await this.em.transactional(async (em) => {
      const invitation = await em.findOne(
        Invitation,
        { tokenHash: hashToken(token), acceptedAt: null, revokedAt: null, expiresAt: { $gt: new Date() } },
        { populate: ['organization'] },
      );
      if (!invitation) {
        throw new OrgError(OrgErrorCode.InvitationInvalid, 'This invitation is invalid, expired or already used');
      }
      const user = await em.findOneOrFail(User, actor.id);
      // Joining is serialised per organization (row lock), so the members quota holds under concurrent accepts.
      const org = await em.findOneOrFail(Organization, invitation.organization.id, {
        lockMode: LockMode.PESSIMISTIC_WRITE,
      });
      if (user.email !== invitation.email) {
        throw new OrgError(
          OrgErrorCode.InvitationEmailMismatch,
          `This invitation is for ${invitation.email}; log in with that address`,
        );
      }
      this.usage.assertRoom(org, QuotaKey.Members, await em.count(Membership, { organization: org.id }));
      invitation.acceptedAt = new Date();
      invitation.acceptedById = user.id;
      em.create(Membership, { organization: invitation.organization, user, role: invitation.role });
      try {
        await em.flush();
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException) {
          throw new OrgError(OrgErrorCode.AlreadyMember, 'You are already a member of this organization');
        }
        throw error;
      }
      return invitation;
    });
    const organizationId = invitation.organization.id;
    const member = { userId: actor.id, email: invitation.email, role: invitation.role };
    await this.events.publish('invitation.accepted', {
      organizationId: organizationId,
      data: {
        invitationId: invitation.id,
        ...member,
      },
    });
    await this.events.publish('member.joined', { organizationId: organizationId, data: member });
    return toOrganizationDto(invitation.organization, invitation.role);
  }

  private async pending(org: OrgContext, id: string): Promise<Invitation> {
    const invitation = await this.em.findOne(Invitation, {
      id,
      organization: org.id,
      acceptedAt: null,
      revokedAt: null,
    });
    if (!invitation) {
      throw new OrgError(OrgErrorCode.InvitationNotFound, `Invitation ${id} not found`);
    }
    return invitation;
  }

  private async send(invitation: Invitation, token: string): Promise<void> {
    const org = await this.em.fork().findOneOrFail(Organization, invitation.organization.id);
    await this.mailer.send({
      to: invitation.email,
      subject: `You are invited to ${org.name} on Switchboard`,
      text: `You are invited to join ${org.name} as ${invitation.role}.\n\nInvitation token: ${token}\n\nLog in (or register) with this address, then POST ${this.config.http.publicUrl}/api/v1/team/invitations/<token>/accept within 7 days.`,
      template: 'org.invitation',
    });
  }
}
