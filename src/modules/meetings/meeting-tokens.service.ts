import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppConfigService } from 'src/config/app-config.service';
import { MeetingError, MeetingErrorCode } from './meetings.errors';

export const MEETING_TOKEN_AUDIENCE = 'meeting';

export type MeetingRole = 'host' | 'participant' | 'guest';

/** What a join token carries: who (`sub`: user id, or `guest:<uuid>` for a guest) may join which meeting (`mid`). */
export interface MeetingJoinClaims {
  sub: string;
  mid: string;
  role: MeetingRole;
  /** The display name of a guest (users are looked up by id). */
  name?: string;
  typ: 'meeting_join';
}

export interface SignedJoinToken {
  token: string;
  expiresAt: Date;
}

/**
 * Join tokens of meetings: short-lived HS256 JWTs signed with the same key as access tokens, but with
 * `aud: 'meeting'` and `typ: 'meeting_join'`, so the API's access-token check refuses them (wrong `typ`) and
 * `verify()` refuses access tokens (no audience).
 */
@Injectable()
export class MeetingTokensService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfigService,
  ) {}

  get ttlSeconds(): number {
    return this.config.meetings.joinTokenTtlSeconds;
  }

  async sign(claims: Omit<MeetingJoinClaims, 'typ'>): Promise<SignedJoinToken> {
    const ttl = this.ttlSeconds;
    const issuedAt = Math.floor(Date.now() / 1000);
    const payload: MeetingJoinClaims & { iat: number } = { ...claims, typ: 'meeting_join', iat: issuedAt };
    const token = await this.jwt.signAsync(payload, { expiresIn: ttl, audience: MEETING_TOKEN_AUDIENCE });
    return { token, expiresAt: new Date((issuedAt + ttl) * 1000) };
  }

  /** The claims of a valid, unexpired join token; otherwise `401 MEETING_JOIN_TOKEN_INVALID`. */
  async verify(token: string): Promise<MeetingJoinClaims> {
    let claims: MeetingJoinClaims;
    try {
      claims = await this.jwt.verifyAsync<MeetingJoinClaims>(token, {
        algorithms: ['HS256'],
        audience: MEETING_TOKEN_AUDIENCE,
      });
    } catch {
      throw invalid();
    }
    if (claims.typ !== 'meeting_join' || typeof claims.mid !== 'string' || typeof claims.sub !== 'string') {
      throw invalid();
    }
    return claims;
  }
}

const invalid = (): MeetingError =>
  new MeetingError(MeetingErrorCode.JoinTokenInvalid, 'The meeting join token is invalid or expired');
