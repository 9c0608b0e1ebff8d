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

/** Signs and verifies JWTs (HS256 only: `alg: none` and other algorithms are rejected). */
@Injectable()
export class TokensService {
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

  async verifyAccess(token: string): Promise<AuthUser> {
    const claims = await this.verify<AccessClaims>(token, 'access');
    return { id: claims.sub, sessionId: claims.sid, role: claims.role, mfa: claims.mfa };
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
