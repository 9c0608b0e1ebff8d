import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { authenticator } from 'otplib';
import { hashToken, randomToken, SecretBox } from 'src/common/crypto/secret-box';
import { User } from 'src/modules/users/user.entity';
import { REDIS } from 'src/redis/redis.module';
import { AuthError, AuthErrorCode } from './auth.errors';
import { RecoveryCode } from './recovery-code.entity';

authenticator.options = { window: 1 }; // accept the previous and next 30 s step for clock skew

const RECOVERY_CODES = 10;
const normalizeRecovery = (code: string): string => code.replace(/[\s-]/g, '').toLowerCase();

/** TOTP (RFC 6238) secrets sealed at rest, codes that work once, and single-use recovery codes. */
@Injectable()
export class TwoFactorService {
  constructor(
    private readonly em: EntityManager,
    private readonly box: SecretBox,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** Starts (or restarts) enrolment: a new secret, active only after `confirm`. */
  async enroll(user: User): Promise<{ secret: string; otpauthUri: string }> {
    if (user.twoFactorEnabledAt) {
      throw new AuthError(AuthErrorCode.TwoFactorAlreadyEnabled, 'Two-factor authentication is already enabled');
    }
    const secret = authenticator.generateSecret(20);
    user.twoFactorSecret = this.box.seal(secret);
    await this.em.flush();
    const label = user.email ?? user.username;
    return { secret, otpauthUri: authenticator.keyuri(label, 'Switchboard', secret) };
  }

  /** Verifies the first code, enables 2FA and returns ten fresh recovery codes (shown once). */
  async confirm(user: User, code: string): Promise<string[]> {
    if (user.twoFactorEnabledAt) {
      throw new AuthError(AuthErrorCode.TwoFactorAlreadyEnabled, 'Two-factor authentication is already enabled');
    }
    if (!user.twoFactorSecret) {
      throw new AuthError(AuthErrorCode.TwoFactorNotEnrolled, 'Start with POST /auth/2fa/enroll');
    }
    await this.assertTotp(user, code);
    const codes = Array.from({ length: RECOVERY_CODES }, () =>
      randomToken(8)
        .replace(/[^a-zA-Z0-9]/g, 'x')
        .slice(0, 10)
        .toLowerCase(),
    );
    await this.em.transactional(async (em) => {
      await em.nativeDelete(RecoveryCode, { user: user.id });
      for (const recovery of codes) {
        em.create(RecoveryCode, { user: user.id, codeHash: hashToken(normalizeRecovery(recovery)) });
      }
      await em.nativeUpdate(User, { id: user.id }, { twoFactorEnabledAt: new Date() });
    });
    user.twoFactorEnabledAt = new Date();
    return codes;
  }

  async disable(user: User): Promise<void> {
    await this.em.transactional(async (em) => {
      await em.nativeDelete(RecoveryCode, { user: user.id });
      await em.nativeUpdate(User, { id: user.id }, { twoFactorEnabledAt: null, twoFactorSecret: null });
    });
    user.twoFactorEnabledAt = undefined;
    user.twoFactorSecret = undefined;
  }

  /** A valid TOTP code, or an unused recovery code (consumed). Says which one it was. */
  async verifyAny(user: User, code: string): Promise<'totp' | 'recovery'> {
    if (/^\d{6}$/.test(code)) {
      await this.assertTotp(user, code);
      return 'totp';
    }
    const used = await this.em
      .fork()
      .nativeUpdate(
        RecoveryCode,
        { user: user.id, codeHash: hashToken(normalizeRecovery(code)), usedAt: null },
        { usedAt: new Date() },
      );
    if (used === 0) {
      throw new AuthError(AuthErrorCode.TwoFactorInvalidCode, 'Invalid or already used recovery code');
    }
    return 'recovery';
  }

  async assertTotp(user: User, code: string): Promise<void> {
    const secret = user.twoFactorSecret ? this.box.open(user.twoFactorSecret) : undefined;
    if (!secret || !authenticator.check(code, secret)) {
      throw new AuthError(AuthErrorCode.TwoFactorInvalidCode, 'Invalid two-factor code');
    }
    // A code works once: a replay within its validity window is refused.
    const fresh = await this.redis.set(`auth:totp-used:${user.id}:${code}`, '1', 'EX', 120, 'NX').catch(() => 'OK');
    if (fresh !== 'OK') {
      throw new AuthError(AuthErrorCode.TwoFactorInvalidCode, 'This code was already used; wait for the next one');
    }
  }
}
