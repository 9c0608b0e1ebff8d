import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { hash, verify } from 'argon2';
import { Role } from 'src/common/auth/auth-user';
import { likeContains, selectRows } from 'src/database/select-rows';
import { AuthError, AuthErrorCode } from 'src/modules/auth/auth.errors';
import { AuditEvent } from './audit-event.entity';
import { User } from './user.entity';
import { USER_DTO_COLUMNS, userRowToDto, type UserRow } from './user-rows';
import { AuditEventDto, UserResponseDto } from './users.dto';
import { UserError, UserErrorCode } from './users.errors';

export interface NewUser {
  email?: string;
  username: string;
  password?: string;
  role?: Role;
  displayName?: string;
  emailVerified?: boolean;
}

export function toUserDto(user: User): UserResponseDto {
  return {
    id: user.id,
    email: user.email ?? null,
    username: user.username,
    displayName: user.displayName ?? null,
    role: user.role,
    isActive: user.isActive,
    emailVerified: Boolean(user.emailVerifiedAt),
    twoFactorEnabled: Boolean(user.twoFactorEnabledAt),
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}

export function toAuditEventDto(event: AuditEvent): AuditEventDto {
  return {
    id: event.id,
    type: event.type,
    actorId: event.actorId ?? null,
    subjectId: event.subjectId ?? null,
    ip: event.ip ?? null,
    userAgent: event.userAgent ?? null,
    metadata: event.metadata ?? null,
    createdAt: event.createdAt.toISOString(),
  };
}

const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const; // OWASP's argon2id minimum

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** Accounts: creation with unique email/username, lookup by either, password checks, the admin queries. */
@Injectable()
export class UsersService {
  constructor(private readonly em: EntityManager) {}

  /** Persists (and flushes) a new user; 409 naming the taken field. Pass `em` to join a caller's transaction. */
  async create(input: NewUser, em: EntityManager = this.em): Promise<User> {
    const user = em.create(User, {
      email: input.email?.toLowerCase(),
      username: input.username.toLowerCase(),
      passwordHash: input.password ? await hashPassword(input.password) : undefined,
      role: input.role ?? Role.User,
      displayName: input.displayName,
      emailVerifiedAt: input.emailVerified ? new Date() : undefined,
    });
    try {
      await em.flush();
    } catch (error) {
      em.clear();
      throw this.duplicateError(error);
    }
    return user;
  }

  duplicateError(error: unknown): unknown {
    if (error instanceof UniqueConstraintViolationException) {
      return error.message.includes('email')
        ? new AuthError(AuthErrorCode.EmailTaken, 'This email is already registered', { field: 'email' })
        : new AuthError(AuthErrorCode.UsernameTaken, 'This username is taken', { field: 'username' });
    }
    return error;
  }

  findByLogin(identifier: string): Promise<User | null> {
    const value = identifier.trim().toLowerCase();
    return this.em.findOne(User, value.includes('@') ? { email: value } : { username: value }, {
      populate: ['passwordHash', 'twoFactorSecret'],
    });
  }

  async getById(id: string, em: EntityManager = this.em): Promise<User> {
    const user = await em.findOne(User, id, { populate: ['passwordHash', 'twoFactorSecret'] });
    if (!user) {
      throw new UserError(UserErrorCode.NotFound, `User ${id} not found`);
    }
    return user;
  }

  async checkPassword(user: User, password: string): Promise<boolean> {
    return user.passwordHash ? verify(user.passwordHash, password) : false;
  }

  /** One account as its API view, read as a plain row; 404 when it does not exist. */
  async profile(id: string): Promise<UserResponseDto> {
    const [row] = await selectRows<UserRow>(this.em, `select ${USER_DTO_COLUMNS} from users where id = ?`, [id]);
    if (!row) {
      throw new UserError(UserErrorCode.NotFound, `User ${id} not found`);
    }
    return userRowToDto(row);
  }

  /**
   * A page of accounts, newest first (`users(created_at, id)` serves the order), and how many match. The filter is
   * made of fixed clauses with bound values; the page and the count run side by side.
   */
  async list(query: {
    q?: string;
    role?: Role;
    isActive?: boolean;
    limit: number;
    offset: number;
  }): Promise<[UserResponseDto[], number]> {
    const clauses: string[] = [];
    const values: unknown[] = [];
    if (query.role) {
      clauses.push('role = ?');
      values.push(query.role);
    }
    if (query.isActive !== undefined) {
      clauses.push('is_active = ?');
      values.push(query.isActive);
    }
    if (query.q) {
      const like = likeContains(query.q);
      clauses.push('(email ilike ? or username ilike ? or display_name ilike ?)');
      values.push(like, like, like);
    }
    const where = clauses.length > 0 ? ` where ${clauses.join(' and ')}` : '';
    const [rows, [count]] = await Promise.all([
      selectRows<UserRow>(
        this.em,
        `select ${USER_DTO_COLUMNS} from users${where} order by created_at desc, id desc limit ? offset ?`,
        [...values, query.limit, query.offset],
      ),
      selectRows<{ total: number }>(this.em, `select count(*)::int as total from users${where}`, values),
    ]);
    return [rows.map(userRowToDto), count.total];
  }

  countActiveAdmins(): Promise<number> {
    return this.em.count(User, { role: Role.Admin, isActive: true });
  }
}
