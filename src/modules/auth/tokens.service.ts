import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AuthUser, Role } from 'src/common/auth/auth-user';
import { AppConfigService } from 'src/config/app-config.service';
import { AuthError, AuthErrorCode } from './auth.errors';

interface AccessClaims {
  sub: string;
  sid: string;
  role: Role;
  mfa: boolean;
  typ: 'access';
}

interface ChallengeClaims {
  sub: string;
  typ: '2fa_challenge';
}

const CHALLENGE_TTL_SECONDS = 300;
/** Access tokens whose signature this node checked lately (see `verifyAccess`). */
const VERIFIED_MAX_ENTRIES = 10_000;
const VERIFIED_TTL_MS = 60_000;

/** Signs and verifies JWTs (HS256 only: `alg: none` and other algorithms are rejected). */
@Injectable()
export class TokensService {
  /** Token → its claims and when to check it again: the token's expiry, or a minute from the check. */
  private readonly verified = new Map<string, { user: AuthUser; until: number }>();

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfigService,
  ) {}

  get accessTtlSeconds(): number {
    return this.config.auth.accessTtlSeconds;
  }

  signAccess(user: AuthUser): Promise<string> {
    const claims: AccessClaims = { sub: user.id, sid: user.sessionId, role: user.role, mfa: user.mfa, typ: 'access' };
    return this.jwt.signAsync(claims, { expiresIn: this.accessTtlSeconds });
  }

  /**
   * The claims of a valid access token. A client sends the same token for minutes, so a token whose signature was
   * checked here is remembered (by its exact text, until it expires and for a minute at most) instead of hashing
   * and parsing it on every request. Only the signature and expiry are remembered: whether its session is still
   * live is asked each time (SessionsService.validate), so revocation stays immediate.
   */
  async verifyAccess(token: string): Promise<AuthUser> {
    const now = Date.now();
    const known = this.verified.get(token);
    if (known && known.until > now) {
      return { ...known.user };
    }
    const claims = await this.verify<AccessClaims & { exp: number }>(token, 'access');
    const user: AuthUser = { id: claims.sub, sessionId: claims.sid, role: claims.role, mfa: claims.mfa };
    if (known || this.verified.size >= VERIFIED_MAX_ENTRIES) {
      this.verified.delete(known ? token : (this.verified.keys().next().value as string));
    }
    this.verified.set(token, { user, until: Math.min(claims.exp * 1000, now + VERIFIED_TTL_MS) });
    return { ...user };
  }

  signChallenge(userId: string): Promise<string> {
    const claims: ChallengeClaims = { sub: userId, typ: '2fa_challenge' };
    return this.jwt.signAsync(claims, { expiresIn: CHALLENGE_TTL_SECONDS });
  }

  async verifyChallenge(token: string): Promise<string> {
    try {
      return (await this.verify<ChallengeClaims>(token, '2fa_challenge')).sub;
    } catch {
      throw new AuthError(
        AuthErrorCode.TwoFactorChallengeInvalid,
        'The 2FA challenge is invalid or expired; log in again',
      );
    }
  }

  private async verify<T extends { typ: string }>(token: string, typ: T['typ']): Promise<T> {
    let claims: T;
    try {
      claims = await this.jwt.verifyAsync<T & object>(token, { algorithms: ['HS256'] });
    } catch {
      throw new AuthError(AuthErrorCode.TokenInvalid, 'Access token is invalid or expired');
    }
    if (claims.typ !== typ) {
      throw new AuthError(AuthErrorCode.TokenInvalid, 'Wrong kind of token');
    }
    return claims;
  }
}
