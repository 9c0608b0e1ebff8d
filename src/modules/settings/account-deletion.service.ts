import { DomainEventBus } from 'src/common/events/domain-events';
import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AuthUser } from 'src/common/auth/auth-user';
import { ClientInfo } from 'src/common/auth/auth.decorators';
import { AppConfigService } from 'src/config/app-config.service';
import { AuthError, AuthErrorCode } from 'src/modules/auth/auth.errors';
import { SessionsService } from 'src/modules/auth/sessions.service';
import { TwoFactorService } from 'src/modules/auth/two-factor.service';
import { MailerService } from 'src/modules/mailer/mailer.service';
import { OrganizationsService } from 'src/modules/organizations/organizations.service';
import { AuditEventType } from 'src/modules/users/audit-event.entity';
import { AuditService } from 'src/modules/users/audit.service';
import { User } from 'src/modules/users/user.entity';
import { UsersService } from 'src/modules/users/users.service';
import { JobPayloads } from 'src/queue/queue.types';
import { ACCOUNT_QUEUE, AccountJob } from './settings.jobs';
import { DataExportService } from './data-export.service';
import './settings.events';
import { AccountDeletionDto, DeleteAccountDto } from './settings.dto';
import { SettingsError, SettingsErrorCode } from './settings.errors';

/**
 * `DELETE /settings/account`: after the password (and a second factor when enabled) the account is scheduled for
 * deletion at the end of a grace period, other sessions end, and a mail says how to cancel. When the period ends a
 * job deletes the user: organizations where they were the only member go with them, organizations they owned alone
 * get a new owner (the longest-standing admin, else member), their API keys are revoked, and security-log entries
 * about them are kept for the record but stripped of address, device and details.
 */
@Injectable()
export class AccountDeletionService {
  private readonly logger = new Logger(AccountDeletionService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfigService,
    private readonly users: UsersService,
    private readonly twoFactor: TwoFactorService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly mailer: MailerService,
    private readonly exports: DataExportService,
    private readonly events: DomainEventBus,
    private readonly organizations: OrganizationsService,
    @InjectQueue(ACCOUNT_QUEUE) private readonly queue: Queue<JobPayloads[AccountJob.DeleteAccount]>,
  ) {}

  async request(actor: AuthUser, dto: DeleteAccountDto, client: ClientInfo): Promise<AccountDeletionDto> {
    const user = await this.users.getById(actor.id);
    if (user.deletionDueAt) {
      throw new SettingsError(
        SettingsErrorCode.DeletionPending,
        `Deletion is already scheduled for ${user.deletionDueAt.toISOString()}`,
      );
    }
    if (!(await this.users.checkPassword(user, dto.password))) {
      throw new AuthError(AuthErrorCode.InvalidCredentials, 'Password is wrong', { field: 'password' });
    }
    if (user.twoFactorEnabledAt) {
      if (!dto.code) {
        throw new AuthError(AuthErrorCode.TwoFactorRequired, 'Send a two-factor or recovery code as "code"', {
          field: 'code',
        });
      }
      await this.twoFactor.verifyAny(user, dto.code);
    }
    const soleOwnerOf = await this.organizations.organizationsOnlyOwnedBy(user.id);
    if (soleOwnerOf.length > 0) {
      throw new SettingsError(
        SettingsErrorCode.LastOwner,
        `Make someone else owner of ${soleOwnerOf.map((o) => o.name).join(', ')} first, or remove its other members`,
        { organizations: soleOwnerOf.map((o) => ({ id: o.id, name: o.name })) },
      );
    }
    const dueAt = new Date(Date.now() + this.config.storage.accountDeletionGraceMs);
    user.deletionDueAt = dueAt;
    await this.em.flush();
    await this.queue.add(
      AccountJob.DeleteAccount,
      { userId: user.id },
      { jobId: `account-delete-${user.id}-${dueAt.getTime()}`, delay: dueAt.getTime() - Date.now() },
    );
    await this.sessions.revokeAll(user.id, 'account_deletion', actor.sessionId);
    await this.audit.record(AuditEventType.AccountDeletionRequested, {
      actorId: user.id,
      subjectId: user.id,
      ...client,
      metadata: { deletionDueAt: dueAt.toISOString() },
    });
    if (user.email) {
      await this.mailer.send({
        to: user.email,
        subject: 'Your Switchboard account will be deleted',
        text: `Your account ${user.username} and its data will be deleted on ${dueAt.toISOString()}. Changed your mind? Sign in and POST ${this.config.http.publicUrl}/api/v1/settings/account/cancel-deletion before then.`,
        template: 'settings.account-deletion-scheduled',
      });
    }
    return { deletionDueAt: dueAt.toISOString() };
  }

  async cancel(actor: AuthUser, client: ClientInfo): Promise<void> {
    const cancelled = await this.em.nativeUpdate(
      User,
      { id: actor.id, deletionDueAt: { $ne: null } },
      { deletionDueAt: null },
    );
    if (cancelled === 0) {
      throw new SettingsError(SettingsErrorCode.NoDeletionPending, 'No account deletion is scheduled');
    }
    await this.audit.record(AuditEventType.AccountDeletionCancelled, {
      actorId: actor.id,
      subjectId: actor.id,
      ...client,
    });
  }

  /** Worker side. Does nothing unless a deletion is due: a cancelled request leaves a harmless job behind. */
  async execute({ userId }: JobPayloads[AccountJob.DeleteAccount]): Promise<boolean> {
    const user = await this.em.findOne(User, userId);
    if (!user?.deletionDueAt || user.deletionDueAt.getTime() > Date.now() + 1000) {
      return false;
    }
    const { email, username } = user;
    await this.sessions.revokeAll(userId, 'account_deleted');
    await this.em.transactional(async (em) => {
      // Each domain takes out what it keeps of the user (organizations: memberships, sole-member organizations,
      // ownership, API keys; users: the security trail), in this transaction.
      await this.events.publish('account.deleting', { userId, email: email ?? null }, em);
      em.remove(user);
      await em.flush();
    });
    await this.events.publish('account.deleted', { userId });
    await this.exports.removeFiles(userId);
    await this.audit.record(AuditEventType.AccountDeleted, { subjectId: userId });
    if (email) {
      await this.mailer.send({
        to: email,
        subject: 'Your Switchboard account was deleted',
        text: `The account ${username} and its data were deleted as you asked.`,
        template: 'settings.account-deleted',
        idempotencyKey: `account-deleted-${userId}`,
      });
    }
    this.logger.log({ userId }, 'account deleted');
    return true;
  }

  /** Deletions whose job was lost (Redis flushed): run by the hourly housekeeping. */
  async executeOverdue(): Promise<number> {
    const due = await this.em.find(
      User,
      { deletionDueAt: { $lt: new Date(Date.now() - 60_000) } },
      { fields: ['id'], limit: 100 },
    );
    let done = 0;
    for (const { id } of due) {
      done += (await this.execute({ userId: id })) ? 1 : 0;
    }
    return done;
  }
}
