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
import type { UserResponseDto } from 'src/modules/users/users.dto';
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
import { LoginAttempt, LockoutService } from './lockout.service';
import { Session } from './session.entity';
import { SessionsService } from './sessions.service';
import { TokensService } from './tokens.service';
import { TwoFactorService } from './two-factor.service';

const TOKEN_TTL_MS: Record<AuthTokenPurpose, number> = {
  [AuthTokenPurpose.VerifyEmail]: 48 * 3600_000,
  [AuthTokenPurpose.ResetPassword]: 3600_000,
  [AuthTokenPurpose.UnlockAccount]: 24 * 3600_000,
};

/** Compared against when the account does not exist, so both cases take an argon2 verification. */
const DUMMY_HASH = hashPassword(randomBytes(16).toString('hex'));

/** The password check of a login: an unknown account or one without a password costs the same argon2 verification. */
async function passwordMatches(user: User | null, password: string): Promise<boolean> {
  return user?.passwordHash ? verify(user.passwordHash, password) : verify(await DUMMY_HASH, password);
}

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

  async register(dto: RegisterDto, client: ClientInfo, deviceToken?: string): Promise<TokensDto> {
    const user = await this.users.create({ ...dto, role: Role.User });
    await this.audit.record(AuditEventType.Registered, { actorId: user.id, subjectId: user.id, ...client });
    await this.sendVerification(user);
    const tokens = await this.startSession(user, client, false);
    return { ...tokens, deviceToken: await this.lockout.recordSuccess(user.id, { ip: client.ip, deviceToken }) };
  }

  /**
   * Password login. Throttled per (account, source) and per IP before anything is checked (429); while the
   * account is locked (423) an unknown source passes only with the password and a valid second factor in this
   * request. Unknown accounts get the same answers and counting as accounts with no known source.
   */
  async login(dto: LoginDto, client: ClientInfo, deviceToken?: string): Promise<LoginResponseDto> {
    const user = await this.users.findByLogin(dto.login);
    // An unknown identifier is normalised as findByLogin does, so "Ada" and "ada" share counters either way.
    const account = user?.id ?? dto.login.trim().toLowerCase();
    const attempt = await this.lockout.begin(account, user?.id, { ip: client.ip, deviceToken });
    if (attempt.lockedForSeconds > 0) {
      return { twoFactorRequired: false, tokens: await this.loginDuringLock(user, dto, client, attempt, deviceToken) };
    }

    const valid = await passwordMatches(user, dto.password);
    if (!user || !valid) {
      await this.loginFailed(attempt, user, dto.login, client, { login: dto.login });
      throw new AuthError(AuthErrorCode.InvalidCredentials, 'Wrong login or password');
    }
    if (!user.isActive) {
      throw new AuthError(AuthErrorCode.AccountDisabled, 'This account is disabled');
    }
    if (!user.twoFactorEnabledAt) {
      return { twoFactorRequired: false, tokens: await this.completeLogin(user, client, false, deviceToken) };
    }
    if (dto.code === undefined && dto.recoveryCode === undefined) {
      // The pair's failures stay counted until the second factor passes too: a password alone earns no reset.
      return { twoFactorRequired: true, challengeToken: await this.tokens.signChallenge(user.id) };
    }
    await this.checkSecondFactor(user, dto.recoveryCode ?? dto.code ?? '', attempt, client);
    return { twoFactorRequired: false, tokens: await this.completeLogin(user, client, true, deviceToken) };
  }

  /** Second step of a 2FA login: the challenge from /auth/login plus a TOTP or recovery code. */
  async verifyTwoFactor(dto: TwoFactorVerifyDto, client: ClientInfo, deviceToken?: string): Promise<TokensDto> {
    const userId = await this.tokens.verifyChallenge(dto.challengeToken);
    const user = await this.users.getById(userId);
    // The challenge proves the password; a valid second factor passes even while the account is locked.
    const attempt = await this.lockout.begin(user.id, user.id, { ip: client.ip, deviceToken });
    if (!user.isActive || !user.twoFactorEnabledAt) {
      throw new AuthError(
        AuthErrorCode.TwoFactorChallengeInvalid,
        'The 2FA challenge is no longer valid; log in again',
      );
    }
    await this.checkSecondFactor(user, dto.recoveryCode ?? dto.code ?? '', attempt, client);
    return this.completeLogin(user, client, true, deviceToken);
  }

  /** Lifts an account lock with the single-use token mailed when it tripped. */
  async unlock(token: string, client: ClientInfo): Promise<void> {
    const user = await this.consumeToken(AuthTokenPurpose.UnlockAccount, token);
    await this.lockout.unlock(user.id, client.ip);
    await this.audit.record(AuditEventType.AccountUnlocked, { actorId: user.id, subjectId: user.id, ...client });
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

  me(actor: AuthUser): Promise<UserResponseDto> {
    return this.users.profile(actor.id);
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
    await this.lockout.unlock(user.id);
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

  /**
   * An unknown source while the account is locked: only the password and a valid second factor together pass.
   * Every other case answers the same 423, whatever was wrong, so the lock is no password oracle.
   */
  private async loginDuringLock(
    user: User | null,
    dto: LoginDto,
    client: ClientInfo,
    attempt: LoginAttempt,
    deviceToken: string | undefined,
  ): Promise<TokensDto> {
    const code = dto.recoveryCode ?? dto.code;
    const locked = new AuthError(
      AuthErrorCode.AccountLocked,
      'Sign-ins from new devices are paused for this account after repeated failed logins. Sign in from a device ' +
        'used before, add your 2FA code, or use the unlock link mailed to the owner',
    ).withRetryAfter(attempt.lockedForSeconds);
    if (code !== undefined) {
      const valid = await passwordMatches(user, dto.password);
      if (user && valid && user.isActive && user.twoFactorEnabledAt) {
        const kind = await this.twoFactor.verifyAny(user, code).catch((error: unknown) => {
          if (error instanceof AuthError) {
            return undefined;
          }
          throw error;
        });
        if (kind) {
          await this.auditRecoveryCode(kind, user, client);
          return this.completeLogin(user, client, true, deviceToken);
        }
      }
    }
    await this.loginFailed(attempt, user, dto.login, client, { login: dto.login, reason: 'account_locked' });
    throw locked;
  }

  private async checkSecondFactor(user: User, code: string, attempt: LoginAttempt, client: ClientInfo): Promise<void> {
    try {
      await this.auditRecoveryCode(await this.twoFactor.verifyAny(user, code), user, client);
    } catch (error) {
      await this.loginFailed(attempt, user, user.username, client, { step: '2fa' });
      throw error;
    }
  }

  private async auditRecoveryCode(kind: string, user: User, client: ClientInfo): Promise<void> {
    if (kind === 'recovery') {
      await this.audit.record(AuditEventType.RecoveryCodeUsed, { actorId: user.id, subjectId: user.id, ...client });
    }
  }

  /** Counts and audits a failed attempt; when it locks the account, audits that and mails the owner a way out. */
  private async loginFailed(
    attempt: LoginAttempt,
    user: User | null,
    login: string,
    client: ClientInfo,
    metadata: Record<string, string>,
  ): Promise<void> {
    const locked = await this.lockout.recordFailure(attempt);
    await this.audit.record(AuditEventType.LoginFailed, { subjectId: user?.id, ...client, metadata });
    if (!locked) {
      return;
    }
    await this.audit.record(AuditEventType.AccountLocked, { subjectId: user?.id, ...client, metadata: { login } });
    if (user?.email && user.isActive) {
      const token = await this.createToken(user, AuthTokenPurpose.UnlockAccount);
      const minutes = Math.ceil(this.config.auth.lockout.seconds / 60);
      await this.mailer.send({
        to: user.email,
        subject: 'Repeated failed sign-ins to your Switchboard account',
        text:
          `There were repeated failed attempts to sign in to ${user.username}, so sign-ins from new devices are ` +
          `paused for ${minutes} minutes. Devices you signed in from before, and sign-ins with your 2FA code, ` +
          `still work.\n\nIf you need to sign in from a new device now, lift the pause with\n\nUnlock token: ` +
          `${token}\n\nPOST ${this.config.http.publicUrl}/api/v1/auth/unlock within 24 hours (single use).\n\n` +
          `If these attempts were not yours, consider changing your password and turning on two-factor ` +
          `authentication.`,
        template: 'auth.unlock-account',
      });
    }
  }

  private async completeLogin(user: User, client: ClientInfo, mfa: boolean, deviceToken?: string): Promise<TokensDto> {
    user.lastLoginAt = new Date();
    await this.em.flush();
    await this.audit.record(AuditEventType.LoginSucceeded, {
      actorId: user.id,
      subjectId: user.id,
      ...client,
      metadata: { mfa },
    });
    const tokens = await this.startSession(user, client, mfa);
    return { ...tokens, deviceToken: await this.lockout.recordSuccess(user.id, { ip: client.ip, deviceToken }) };
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
