import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { AuthUser, Role } from 'src/common/auth/auth-user';
import { ClientInfo } from 'src/common/auth/auth.decorators';
import { AppConfigService } from 'src/config/app-config.service';
import { SessionDto } from 'src/modules/auth/auth.dto';
import { toSessionDto } from 'src/modules/auth/auth.service';
import { SessionsService } from 'src/modules/auth/sessions.service';
import { ApiKeysService } from 'src/modules/organizations/api-keys.service';
import { AuditEventType } from 'src/modules/users/audit-event.entity';
import { AuditService } from 'src/modules/users/audit.service';
import { User } from 'src/modules/users/user.entity';
import {
  AdminCreateUserDto,
  AuditPageDto,
  ListAuditQueryDto,
  ListUsersQueryDto,
  UserPageDto,
  UserResponseDto,
} from 'src/modules/users/users.dto';
import { UserError, UserErrorCode } from 'src/modules/users/users.errors';
import { toAuditEventDto, toUserDto, UsersService } from 'src/modules/users/users.service';

/** Administration of accounts: every change revokes or refreshes the sessions it affects and is audited. */
@Injectable()
export class AdminService {
  private readonly logger = new Logger(AdminService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly config: AppConfigService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async list(query: ListUsersQueryDto): Promise<UserPageDto> {
    const [users, total] = await this.users.list(query);
    return { items: users, total, limit: query.limit, offset: query.offset };
  }

  async get(id: string): Promise<UserResponseDto> {
    return toUserDto(await this.users.getById(id));
  }

  async create(dto: AdminCreateUserDto, actor: AuthUser, client: ClientInfo): Promise<UserResponseDto> {
    const user = await this.users.create(dto);
    await this.audit.record(AuditEventType.UserCreated, {
      actorId: actor.id,
      subjectId: user.id,
      ...client,
      metadata: { role: user.role },
    });
    return toUserDto(user);
  }

  async setActive(id: string, active: boolean, actor: AuthUser, client: ClientInfo): Promise<UserResponseDto> {
    const user = await this.users.getById(id);
    if (!active) {
      await this.assertNotLastAdmin(user);
    }
    user.isActive = active;
    await this.em.flush();
    if (!active) {
      await this.sessions.revokeAll(user.id, 'user_disabled');
    }
    await this.audit.record(active ? AuditEventType.UserEnabled : AuditEventType.UserDisabled, {
      actorId: actor.id,
      subjectId: id,
      ...client,
    });
    return toUserDto(user);
  }

  async setRole(id: string, role: Role, actor: AuthUser, client: ClientInfo): Promise<UserResponseDto> {
    const user = await this.users.getById(id);
    const previous = user.role;
    if (previous === Role.Admin && role !== Role.Admin) {
      await this.assertNotLastAdmin(user);
    }
    user.role = role;
    await this.em.flush();
    await this.sessions.forgetUser(user.id);
    await this.audit.record(AuditEventType.RoleChanged, {
      actorId: actor.id,
      subjectId: id,
      ...client,
      metadata: { from: previous, to: role },
    });
    return toUserDto(user);
  }

  async remove(id: string, actor: AuthUser, client: ClientInfo): Promise<void> {
    const user = await this.users.getById(id);
    await this.assertNotLastAdmin(user);
    await this.sessions.revokeAll(user.id, 'user_deleted');
    // Their API keys die with the account, in the same transaction.
    const revokedKeys = await this.em.transactional(async (em) => {
      const revoked = await this.apiKeys.revokeCreatedBy(em, user.id);
      em.remove(user);
      await em.flush();
      return revoked;
    });
    await this.apiKeys.announceRevoked(revokedKeys, 'creator_deleted');
    await this.audit.record(AuditEventType.UserDeleted, {
      actorId: actor.id,
      subjectId: id,
      ...client,
      metadata: { username: user.username },
    });
  }

  async listSessions(id: string): Promise<SessionDto[]> {
    await this.users.getById(id);
    return (await this.sessions.listLive(id)).map((s) => toSessionDto(s));
  }

  async revokeSession(id: string, sessionId: string, actor: AuthUser, client: ClientInfo): Promise<void> {
    await this.sessions.revokeOwned(id, sessionId, 'admin_revoked');
    await this.audit.record(AuditEventType.SessionRevoked, {
      actorId: actor.id,
      subjectId: id,
      ...client,
      metadata: { sessionId },
    });
  }

  async revokeAllSessions(id: string, actor: AuthUser, client: ClientInfo): Promise<void> {
    await this.users.getById(id);
    const count = await this.sessions.revokeAll(id, 'admin_revoked');
    await this.audit.record(AuditEventType.SessionRevoked, {
      actorId: actor.id,
      subjectId: id,
      ...client,
      metadata: { count },
    });
  }

  async auditLog(query: ListAuditQueryDto): Promise<AuditPageDto> {
    const [events, total] = await this.audit.list(query);
    return { items: events.map(toAuditEventDto), total, limit: query.limit, offset: query.offset };
  }

  /** Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD when no admin exists (at start, and the CLI). */
  async ensureFirstAdmin(input = this.config.auth.admin): Promise<User | undefined> {
    if (!input || (await this.em.fork().count(User, { role: Role.Admin })) > 0) {
      return undefined;
    }
    const base = input.email
      .split('@')[0]
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, '')
      .slice(0, 24)
      .padEnd(3, '0');
    const taken = await this.em.fork().count(User, { username: base });
    const user = await this.users.create(
      {
        email: input.email,
        username: taken ? `${base}-admin` : base,
        password: input.password,
        role: Role.Admin,
        emailVerified: true,
      },
      this.em.fork(),
    );
    await this.audit.record(AuditEventType.UserCreated, {
      subjectId: user.id,
      metadata: { role: Role.Admin, source: 'bootstrap' },
    });
    this.logger.log({ userId: user.id, email: user.email }, 'first admin created');
    return user;
  }

  private async assertNotLastAdmin(user: User): Promise<void> {
    if (user.role === Role.Admin && user.isActive && (await this.users.countActiveAdmins()) <= 1) {
      throw new UserError(UserErrorCode.LastAdmin, 'This is the last active admin; promote another admin first');
    }
  }
}
