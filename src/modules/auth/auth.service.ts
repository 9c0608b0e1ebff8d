import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { verify } from 'argon2';
import { randomBytes } from 'node:crypto';
import { AuthUser, Role } from 'src/common/auth/auth-user';
import { ClientInfo } from 'src/common/auth/auth.decorators';
import { hashToken, randomToken } from 'src/common/crypto/secret-box';
import { definedOnly } from 'src/common/http/defined';
import { AppConfigService } from 'src/config/app-config.service';
import { MailerService } from 'src/modules/mailer/mailer.service';
import { AuditEventType } from 'src/modules/users/audit-event.entity';
import { AuditService } from 'src/modules/users/audit.service';
import { QuotaService } from 'src/modules/users/quota.service';
import { User } from 'src/modules/users/user.entity';
import { hashPassword, toUserDto, UsersService } from 'src/modules/users/users.service';
import { AuthToken, AuthTokenPurpose } from './auth-token.entity';
import {
  ChangePasswordDto,
  DisableTwoFactorDto,
  GuestUpgradeDto,
  LoginDto,
  LoginResponseDto,
  RegisterDto,
  ResetPasswordDto,
  SessionDto,
  TokensDto,
  TwoFactorVerifyDto,
  UpdateMeDto,
} from './auth.dto';
import { AuthError, AuthErrorCode } from './auth.errors';
import { LockoutService } from './lockout.service';
import { Session } from './session.entity';
import { SessionsService } from './sessions.service';
import { TokensService } from './tokens.service';
import { TwoFactorService } from './two-factor.service';

const TOKEN_TTL_MS: Record<AuthTokenPurpose, number> = {
  [AuthTokenPurpose.VerifyEmail]: 48 * 3600_000,
  [AuthTokenPurpose.ResetPassword]: 3600_000,
};

/** Compared against when the account does not exist, so both cases take an argon2 verification. */
const DUMMY_HASH = hashPassword(randomBytes(16).toString('hex'));

export function toSessionDto(session: Session, currentSessionId?: string): SessionDto {
  return {
    id: session.id,
    userAgent: session.userAgent ?? null,
    ip: session.ip ?? null,
    mfa: session.mfa,
    current: session.id === currentSessionId,
    createdAt: session.createdAt.toISOString(),
    lastSeenAt: session.lastSeenAt.toISOString(),
  };
}

@Injectable()
export class AuthService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
    private readonly lockout: LockoutService,
    private readonly twoFactor: TwoFactorService,
    private readonly audit: AuditService,
    private readonly quotas: QuotaService,
    private readonly mailer: MailerService,
    private readonly config: AppConfigService,
  ) {}

  async register(dto: RegisterDto, client: ClientInfo): Promise<TokensDto> {
    const user = await this.users.create({ ...dto, role: Role.User });
    await this.audit.record(AuditEventType.Registered, { actorId: user.id, subjectId: user.id, ...client });
    await this.sendVerification(user);
    return this.startSession(user, client, false);
  }

  async login(dto: LoginDto, client: ClientInfo): Promise<LoginResponseDto> {
    const user = await this.users.findByLogin(dto.login);
    const lockKey = user?.id ?? dto.login;
    await this.lockout.assertAllowed(lockKey, client.ip);

    const valid = user?.passwordHash
      ? await verify(user.passwordHash, dto.password)
      : await verify(await DUMMY_HASH, dto.password);
    if (!user || !valid) {
      const locked = await this.lockout.recordFailure(lockKey, client.ip);
      await this.audit.record(AuditEventType.LoginFailed, {
        subjectId: user?.id,
        ...client,
        metadata: { login: dto.login },
      });
      if (locked) {
        await this.audit.record(AuditEventType.AccountLocked, {
          subjectId: user?.id,
          ...client,
          metadata: { login: dto.login },
        });
      }
      throw new AuthError(AuthErrorCode.InvalidCredentials, 'Wrong login or password');
    }
    if (!user.isActive) {
      throw new AuthError(AuthErrorCode.AccountDisabled, 'This account is disabled');
    }
    await this.lockout.clear(lockKey);
    if (user.twoFactorEnabledAt) {
      return { twoFactorRequired: true, challengeToken: await this.tokens.signChallenge(user.id) };
    }
    return { twoFactorRequired: false, tokens: await this.completeLogin(user, client, false) };
  }

  /** Second step of a 2FA login: the challenge from /auth/login plus a TOTP or recovery code. */
  async verifyTwoFactor(dto: TwoFactorVerifyDto, client: ClientInfo): Promise<TokensDto> {
    const userId = await this.tokens.verifyChallenge(dto.challengeToken);
    const user = await this.users.getById(userId);
    await this.lockout.assertAllowed(user.id, client.ip);
    if (!user.isActive || !user.twoFactorEnabledAt) {
      throw new AuthError(
        AuthErrorCode.TwoFactorChallengeInvalid,
        'The 2FA challenge is no longer valid; log in again',
      );
    }
    try {
      const kind = await this.twoFactor.verifyAny(user, dto.recoveryCode ?? dto.code ?? '');
      if (kind === 'recovery') {
        await this.audit.record(AuditEventType.RecoveryCodeUsed, { actorId: user.id, subjectId: user.id, ...client });
      }
    } catch (error) {
      await this.lockout.recordFailure(user.id, client.ip);
      await this.audit.record(AuditEventType.LoginFailed, { subjectId: user.id, ...client, metadata: { step: '2fa' } });
      throw error;
    }
    return this.completeLogin(user, client, true);
  }

  async refresh(refreshToken: string, client: ClientInfo): Promise<TokensDto> {
    try {
      const { session, refreshToken: next, user } = await this.sessions.rotate(refreshToken, client);
      return this.tokensFor(user, session, next);
    } catch (error) {
      if (error instanceof AuthError && error.code === AuthErrorCode.RefreshReused) {
        const { sessionId, userId } = error.details as { sessionId: string; userId: string };
        await this.audit.record(AuditEventType.RefreshReused, {
          subjectId: userId,
          ...client,
          metadata: { sessionId },
        });
        throw new AuthError(AuthErrorCode.RefreshReused, error.message);
      }
      throw error;
    }
  }

  async logout(actor: AuthUser, client: ClientInfo): Promise<void> {
    await this.sessions.revoke(actor.sessionId, 'logout');
    await this.audit.record(AuditEventType.Logout, { actorId: actor.id, subjectId: actor.id, ...client });
  }

  async logoutAll(actor: AuthUser, client: ClientInfo): Promise<number> {
    const count = await this.sessions.revokeAll(actor.id, 'logout_all');
    await this.audit.record(AuditEventType.LogoutAll, {
      actorId: actor.id,
      subjectId: actor.id,
      ...client,
      metadata: { count },
    });
    return count;
  }

  async listSessions(actor: AuthUser): Promise<SessionDto[]> {
    return (await this.sessions.listLive(actor.id)).map((s) => toSessionDto(s, actor.sessionId));
  }

  async revokeSession(actor: AuthUser, sessionId: string, client: ClientInfo): Promise<void> {
    await this.sessions.revokeOwned(actor.id, sessionId, 'user_revoked');
    await this.audit.record(AuditEventType.SessionRevoked, {
      actorId: actor.id,
      subjectId: actor.id,
      ...client,
      metadata: { sessionId },
    });
  }

  async me(actor: AuthUser): Promise<User> {
    return this.users.getById(actor.id);
  }

  async updateMe(actor: AuthUser, dto: UpdateMeDto): Promise<User> {
    const user = await this.users.getById(actor.id);
    this.em.assign(user, definedOnly({ ...dto, username: dto.username?.toLowerCase() }));
    try {
      await this.em.flush();
    } catch (error) {
      throw this.users.duplicateError(error);
    }
    return user;
  }

  /** Changes the password and ends every other session of the user. */
  async changePassword(actor: AuthUser, dto: ChangePasswordDto, client: ClientInfo): Promise<void> {
    const user = await this.users.getById(actor.id);
    if (!(await this.users.checkPassword(user, dto.currentPassword))) {
      throw new AuthError(AuthErrorCode.InvalidCredentials, 'Current password is wrong');
    }
    user.passwordHash = await hashPassword(dto.newPassword);
    await this.em.flush();
    const revoked = await this.sessions.revokeAll(user.id, 'password_changed', actor.sessionId);
    await this.audit.record(AuditEventType.PasswordChanged, {
      actorId: user.id,
      subjectId: user.id,
      ...client,
      metadata: { revokedSessions: revoked },
    });
  }

  async resendVerification(actor: AuthUser): Promise<void> {
    const user = await this.users.getById(actor.id);
    if (user.emailVerifiedAt) {
      throw new AuthError(AuthErrorCode.EmailAlreadyVerified, 'The email address is already verified');
    }
    await this.sendVerification(user);
  }

  async verifyEmail(token: string, client: ClientInfo): Promise<void> {
    const user = await this.consumeToken(AuthTokenPurpose.VerifyEmail, token);
    user.emailVerifiedAt ??= new Date();
    await this.em.flush();
    await this.audit.record(AuditEventType.EmailVerified, { actorId: user.id, subjectId: user.id, ...client });
  }

  /** Always answers the same, whether or not the address belongs to an account. */
  async forgotPassword(email: string, client: ClientInfo): Promise<void> {
    const user = await this.users.findByLogin(email);
    if (!user || !user.isActive || !user.email) {
      return;
    }
    const token = await this.createToken(user, AuthTokenPurpose.ResetPassword);
    await this.mailer.send({
      to: user.email,
      subject: 'Reset your Switchboard password',
      text: `Someone (hopefully you) asked to reset the password of ${user.username}.\n\nReset token: ${token}\n\nUse it with POST ${this.config.http.publicUrl}/api/v1/auth/reset-password within an hour. If you did not ask, ignore this mail.`,
      template: 'auth.reset-password',
    });
    await this.audit.record(AuditEventType.PasswordResetRequested, { subjectId: user.id, ...client });
  }

  async resetPassword(dto: ResetPasswordDto, client: ClientInfo): Promise<void> {
    const user = await this.consumeToken(AuthTokenPurpose.ResetPassword, dto.token);
    user.passwordHash = await hashPassword(dto.newPassword);
    await this.em.flush();
    await this.sessions.revokeAll(user.id, 'password_reset');
    await this.lockout.clear(user.id);
    await this.audit.record(AuditEventType.PasswordReset, { actorId: user.id, subjectId: user.id, ...client });
  }

  async enrollTwoFactor(actor: AuthUser): Promise<{ secret: string; otpauthUri: string }> {
    return this.twoFactor.enroll(await this.users.getById(actor.id));
  }

  async confirmTwoFactor(actor: AuthUser, code: string, client: ClientInfo): Promise<string[]> {
    const codes = await this.twoFactor.confirm(await this.users.getById(actor.id), code);
    await this.audit.record(AuditEventType.TwoFactorEnabled, { actorId: actor.id, subjectId: actor.id, ...client });
    return codes;
  }

  async disableTwoFactor(actor: AuthUser, dto: DisableTwoFactorDto, client: ClientInfo): Promise<void> {
    const user = await this.users.getById(actor.id);
    if (!user.twoFactorEnabledAt) {
      throw new AuthError(AuthErrorCode.TwoFactorNotEnabled, 'Two-factor authentication is not enabled');
    }
    if (!(await this.users.checkPassword(user, dto.password))) {
      throw new AuthError(AuthErrorCode.InvalidCredentials, 'Password is wrong');
    }
    await this.twoFactor.verifyAny(user, dto.code);
    await this.twoFactor.disable(user);
    await this.audit.record(AuditEventType.TwoFactorDisabled, { actorId: actor.id, subjectId: actor.id, ...client });
  }

  /** A guest: no email or password, limited by quotas, upgradable to a full account keeping its data. */
  async createGuest(client: ClientInfo): Promise<TokensDto> {
    const user = await this.em.transactional(async (em) => {
      const guest = await this.users.create(
        { username: `guest-${randomBytes(5).toString('hex')}`, role: Role.Guest },
        em,
      );
      await this.quotas.grant(guest.id, this.config.auth.guestQuotas, em);
      return guest;
    });
    await this.audit.record(AuditEventType.GuestCreated, { actorId: user.id, subjectId: user.id, ...client });
    return this.startSession(user, client, false);
  }

  async upgradeGuest(actor: AuthUser, dto: GuestUpgradeDto, client: ClientInfo): Promise<User> {
    const user = await this.users.getById(actor.id);
    if (user.role !== Role.Guest) {
      throw new AuthError(AuthErrorCode.NotAGuest, 'Only a guest account can be upgraded');
    }
    await this.em.transactional(async (em) => {
      em.assign(user, {
        email: dto.email.toLowerCase(),
        username: dto.username.toLowerCase(),
        displayName: dto.displayName,
        passwordHash: await hashPassword(dto.password),
        role: Role.User,
      });
      try {
        await em.flush();
      } catch (error) {
        throw this.users.duplicateError(error);
      }
      await this.quotas.clear(user.id, em);
    });
    await this.sessions.forgetUser(user.id);
    await this.audit.record(AuditEventType.GuestUpgraded, { actorId: user.id, subjectId: user.id, ...client });
    await this.sendVerification(user);
    return user;
  }

  private async completeLogin(user: User, client: ClientInfo, mfa: boolean): Promise<TokensDto> {
    user.lastLoginAt = new Date();
    await this.em.flush();
    await this.audit.record(AuditEventType.LoginSucceeded, {
      actorId: user.id,
      subjectId: user.id,
      ...client,
      metadata: { mfa },
    });
    return this.startSession(user, client, mfa);
  }

  private async startSession(user: User, client: ClientInfo, mfa: boolean): Promise<TokensDto> {
    const { session, refreshToken } = await this.sessions.create(user, client, mfa);
    return this.tokensFor(user, session, refreshToken);
  }

  private async tokensFor(user: User, session: Session, refreshToken: string): Promise<TokensDto> {
    const accessToken = await this.tokens.signAccess({
      id: user.id,
      role: user.role,
      sessionId: session.id,
      mfa: session.mfa,
    });
    return {
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.tokens.accessTtlSeconds,
      sessionId: session.id,
      user: toUserDto(user),
    };
  }

  private async sendVerification(user: User): Promise<void> {
    if (!user.email || user.emailVerifiedAt) {
      return;
    }
    const token = await this.createToken(user, AuthTokenPurpose.VerifyEmail);
    await this.mailer.send({
      to: user.email,
      subject: 'Verify your email for Switchboard',
      text: `Welcome to Switchboard, ${user.username}.\n\nVerification token: ${token}\n\nConfirm with POST ${this.config.http.publicUrl}/api/v1/auth/verify-email within 48 hours.`,
      template: 'auth.verify-email',
    });
  }

  /** A new single-use token; earlier unused ones of the same purpose stop working. */
  private async createToken(user: User, purpose: AuthTokenPurpose): Promise<string> {
    const token = randomToken(32);
    const em = this.em.fork();
    await em.nativeUpdate(AuthToken, { user: user.id, purpose, usedAt: null }, { usedAt: new Date() });
    em.create(AuthToken, {
      user: user.id,
      purpose,
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + TOKEN_TTL_MS[purpose]),
    });
    await em.flush();
    return token;
  }

  private async consumeToken(purpose: AuthTokenPurpose, token: string): Promise<User> {
    const claimed = await this.em.nativeUpdate(
      AuthToken,
      { tokenHash: hashToken(token), purpose, usedAt: null, expiresAt: { $gt: new Date() } },
      { usedAt: new Date() },
    );
    if (claimed === 0) {
      throw new AuthError(AuthErrorCode.LinkInvalid, 'This token is invalid, expired or already used');
    }
    const stored = await this.em.findOneOrFail(AuthToken, { tokenHash: hashToken(token) });
    return this.users.getById(stored.user.id);
  }
}
