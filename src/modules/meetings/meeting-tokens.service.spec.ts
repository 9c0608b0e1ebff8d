import { createSecretKey } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import type { AppConfigService } from 'src/config/app-config.service';
import { MeetingErrorCode } from './meetings.errors';
import { MeetingTokensService } from './meeting-tokens.service';

describe('MeetingTokensService', () => {
  const secret = createSecretKey(Buffer.from('unit-test-secret-unit-test-secret-0123'));
  const jwt = new JwtService({
    secret,
    signOptions: { algorithm: 'HS256', issuer: 'switchboard' },
    verifyOptions: { algorithms: ['HS256'], issuer: 'switchboard' },
  });
  const config = (ttl: number) => ({ meetings: { joinTokenTtlSeconds: ttl } }) as unknown as AppConfigService;
  const tokens = new MeetingTokensService(jwt, config(300));
  const mid = '6f1c2a1e-7c1b-4c53-9d1f-0c3f7b0a9e11';
  const sub = '0d7e4c63-2a0b-4d3c-8f5e-1b2a3c4d5e6f';

  it('signs a token scoped to one meeting and verify() returns its claims', async () => {
    const before = Date.now();
    const signed = await tokens.sign({ sub, mid, role: 'host' });
    const claims = await tokens.verify(signed.token);
    expect(claims).toMatchObject({ sub, mid, role: 'host', typ: 'meeting_join', aud: 'meeting', iss: 'switchboard' });
    const expiresIn = signed.expiresAt.getTime() - before;
    expect(expiresIn).toBeGreaterThan(298_000);
    expect(expiresIn).toBeLessThanOrEqual(301_000);
  });

  it('carries a guest name', async () => {
    const signed = await tokens.sign({ sub: 'guest:x', mid, role: 'guest', name: 'Visitor' });
    expect(await tokens.verify(signed.token)).toMatchObject({ role: 'guest', name: 'Visitor', mid });
  });

  it('refuses access tokens, other audiences, tampered and expired tokens', async () => {
    const access = await jwt.signAsync({ sub, sid: 's', role: 'user', mfa: false, typ: 'access' });
    const otherAudience = await jwt.signAsync({ sub, mid, role: 'host', typ: 'meeting_join' }, { audience: 'api' });
    const good = (await tokens.sign({ sub, mid, role: 'participant' })).token;
    const [h, p, s] = good.split('.');
    const forged = Buffer.from(p, 'base64url').toString().replace('participant', 'host');
    const tampered = `${h}.${Buffer.from(forged).toString('base64url')}.${s}`;
    const expired = await jwt.signAsync(
      { sub, mid, role: 'host', typ: 'meeting_join', iat: Math.floor(Date.now() / 1000) - 600 },
      { audience: 'meeting', expiresIn: 300 },
    );
    const foreignKey = await new JwtService({ secret: 'another-secret-another-secret-0123' }).signAsync(
      { sub, mid, role: 'host', typ: 'meeting_join' },
      { audience: 'meeting', issuer: 'switchboard' },
    );
    for (const token of [access, otherAudience, tampered, expired, foreignKey, 'not-a-jwt']) {
      await expect(tokens.verify(token)).rejects.toMatchObject({ code: MeetingErrorCode.JoinTokenInvalid });
    }
  });
});
