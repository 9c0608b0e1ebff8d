import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { authenticator } from 'otplib';
import { AuthToken } from 'src/modules/auth/auth-token.entity';
import { createSwitchboardClient } from '../../client';
import { tokenFromOutbox } from '../support/outbox';
import { ProbeModule } from '../support/probe.module';
import { call, registerUser, startTestApp, type TestApp } from '../support/test-app';

const VERIFY = /Verification token: (\S+)/;
const RESET = /Reset token: (\S+)/;

describe('identity: accounts, sessions, tokens, 2FA, guests', () => {
  const outbox = mkdtempSync(join(tmpdir(), 'switchboard-auth-'));
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ MAIL_OUTBOX_DIR: outbox }, [ProbeModule]);
  });
  afterAll(() => t.close());

  describe('register, verify, login', () => {
    it('registers, mails a verification token that works once, and logs in by email or username', async () => {
      const user = await registerUser(t);
      const me = await user.api.GET('/api/v1/auth/me');
      expect(me.data).toMatchObject({ id: user.id, email: user.email, role: 'user', emailVerified: false });

      const token = await tokenFromOutbox(outbox, user.email, VERIFY);
      expect((await call(t, 'POST', '/api/v1/auth/verify-email', { body: { token } })).status).toBe(204);
      expect((await user.api.GET('/api/v1/auth/me')).data?.emailVerified).toBe(true);
      const again = await call(t, 'POST', '/api/v1/auth/verify-email', { body: { token } });
      expect([again.status, again.body.code]).toEqual([400, 'AUTH_LINK_INVALID']);

      for (const login of [user.email, user.username, user.email.toUpperCase()]) {
        const res = await t.api.POST('/api/v1/auth/login', { body: { login, password: user.password } });
        expect(res.error).toBeUndefined();
        expect(res.data?.twoFactorRequired).toBe(false);
        expect(res.data?.tokens?.user.id).toBe(user.id);
      }
      const wrong = await call(t, 'POST', '/api/v1/auth/login', {
        body: { login: user.email, password: 'Wrong-pass-1' },
      });
      expect([wrong.status, wrong.body.code]).toEqual([401, 'AUTH_INVALID_CREDENTIALS']);
    });

    it('rejects weak passwords, duplicates and mass assignment with clear errors', async () => {
      const weak = await call(t, 'POST', '/api/v1/auth/register', {
        body: { email: 'w@example.com', username: 'weakling', password: 'short' },
      });
      expect(weak.status).toBe(400);
      expect(weak.body.details.map((d: { field: string }) => d.field)).toEqual(['password']);

      const user = await registerUser(t);
      const dupe = await call(t, 'POST', '/api/v1/auth/register', {
        body: { email: user.email, username: 'someone-else', password: 'Correct-Horse-9' },
      });
      expect([dupe.status, dupe.body.code]).toEqual([409, 'AUTH_EMAIL_TAKEN']);

      const sneaky = await call(t, 'POST', '/api/v1/auth/register', {
        body: {
          email: 'sneaky@example.com',
          username: 'sneaky',
          password: 'Correct-Horse-9',
          role: 'admin',
          isActive: true,
        },
      });
      expect(sneaky.status).toBe(400);
      expect(sneaky.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['isActive', 'role']);
      const named = await call(t, 'PUT', '/api/v1/auth/me', {
        token: user.accessToken,
        body: { displayName: 'Ada L.' },
      });
      expect(named.body).toMatchObject({ displayName: 'Ada L.', username: user.username });
      const renamed = await call(t, 'PUT', '/api/v1/auth/me', {
        token: user.accessToken,
        body: { username: `${user.username}-x` },
      });
      expect(renamed.body).toMatchObject({ displayName: 'Ada L.', username: `${user.username}-x` });
      const update = await call(t, 'PUT', '/api/v1/auth/me', { token: user.accessToken, body: { role: 'admin' } });
      expect([update.status, update.body.details[0].field]).toEqual([400, 'role']);
    });
  });

  describe('tokens and sessions', () => {
    it('rotates refresh tokens, and a reused one revokes the whole family', async () => {
      const user = await registerUser(t);
      const first = await t.api.POST('/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } });
      expect(first.data?.refreshToken).not.toBe(user.refreshToken);
      expect(first.data?.sessionId).toBe(user.sessionId);

      const reuse = await call(t, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } });
      expect([reuse.status, reuse.body.code]).toEqual([401, 'AUTH_REFRESH_REUSED']);
      // The thief's use ended the session: the legitimate newer token and the access token die with it.
      const next = await call(t, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: first.data!.refreshToken } });
      expect([next.status, next.body.code]).toEqual([401, 'AUTH_SESSION_REVOKED']);
      const me = await call(t, 'GET', '/api/v1/auth/me', { token: first.data!.accessToken });
      expect([me.status, me.body.code]).toEqual([401, 'AUTH_SESSION_REVOKED']);
    });

    it('rejects the access token of a logged-out session at once', async () => {
      const user = await registerUser(t);
      expect((await call(t, 'GET', '/api/v1/auth/me', { token: user.accessToken })).status).toBe(200);
      expect((await call(t, 'POST', '/api/v1/auth/logout', { token: user.accessToken })).status).toBe(204);
      const after = await call(t, 'GET', '/api/v1/auth/me', { token: user.accessToken });
      expect([after.status, after.body.code]).toEqual([401, 'AUTH_SESSION_REVOKED']);
    });

    it('lists sessions with device and IP, revokes one, and hides other users’ sessions (404)', async () => {
      const user = await registerUser(t);
      const other = await t.api.POST('/api/v1/auth/login', {
        body: { login: user.username, password: user.password },
        headers: { 'user-agent': 'SecondDevice/1.0' },
      });
      const secondSession = other.data!.tokens!.sessionId;
      const list = await user.api.GET('/api/v1/auth/sessions');
      expect(list.data).toHaveLength(2);
      expect(list.data!.find((s) => s.id === secondSession)).toMatchObject({
        userAgent: 'SecondDevice/1.0',
        ip: '127.0.0.1',
        current: false,
      });
      expect(list.data!.find((s) => s.id === user.sessionId)?.current).toBe(true);

      const stranger = await registerUser(t);
      const hidden = await call(t, 'DELETE', `/api/v1/auth/sessions/${secondSession}`, { token: stranger.accessToken });
      expect([hidden.status, hidden.body.code]).toEqual([404, 'AUTH_SESSION_NOT_FOUND']);

      expect(
        (await call(t, 'DELETE', `/api/v1/auth/sessions/${secondSession}`, { token: user.accessToken })).status,
      ).toBe(204);
      expect((await call(t, 'GET', '/api/v1/auth/me', { token: other.data!.tokens!.accessToken })).status).toBe(401);
      expect((await call(t, 'POST', '/api/v1/auth/logout-all', { token: user.accessToken })).status).toBe(204);
      expect((await call(t, 'GET', '/api/v1/auth/me', { token: user.accessToken })).status).toBe(401);
    });

    it('rejects expired, tampered and alg:none tokens', async () => {
      const user = await registerUser(t);
      const [header, payload] = user.accessToken.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
      const sign = (h: string, p: string): string =>
        createHmac('sha256', process.env.JWT_SECRET!).update(`${h}.${p}`).digest('base64url');

      const expiredPayload = b64({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 });
      const expired = `${header}.${expiredPayload}.${sign(header, expiredPayload)}`;
      const tamperedPayload = b64({ ...claims, role: 'admin' });
      const tampered = `${header}.${tamperedPayload}.${user.accessToken.split('.')[2]}`;
      const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, role: 'admin' })}.`;
      const otherKey = `${header}.${payload}.${createHmac('sha256', 'x'.repeat(40)).update(`${header}.${payload}`).digest('base64url')}`;

      for (const token of [expired, tampered, none, otherKey, 'garbage']) {
        const res = await call(t, 'GET', '/api/v1/auth/me', { token });
        expect([res.status, res.body.code]).toEqual([401, 'AUTH_TOKEN_INVALID']);
      }
      const missing = await call(t, 'GET', '/api/v1/auth/me');
      expect([missing.status, missing.body.code]).toEqual([401, 'AUTH_UNAUTHENTICATED']);
    });
  });

  describe('passwords', () => {
    it('changes the password and ends every other session', async () => {
      const user = await registerUser(t);
      const other = await t.api.POST('/api/v1/auth/login', { body: { login: user.email, password: user.password } });
      const changed = await call(t, 'PUT', '/api/v1/auth/me/password', {
        token: user.accessToken,
        body: { currentPassword: user.password, newPassword: 'Another-Horse-7' },
      });
      expect(changed.status).toBe(204);
      expect((await call(t, 'GET', '/api/v1/auth/me', { token: user.accessToken })).status).toBe(200);
      expect((await call(t, 'GET', '/api/v1/auth/me', { token: other.data!.tokens!.accessToken })).status).toBe(401);
      expect(
        (await call(t, 'POST', '/api/v1/auth/login', { body: { login: user.email, password: user.password } })).status,
      ).toBe(401);
      expect(
        (await call(t, 'POST', '/api/v1/auth/login', { body: { login: user.email, password: 'Another-Horse-7' } }))
          .status,
      ).toBe(200);
    });

    it('resets with a single-use, expiring token and answers the same for unknown addresses', async () => {
      const user = await registerUser(t);
      const known = await call(t, 'POST', '/api/v1/auth/forgot-password', { body: { email: user.email } });
      const unknown = await call(t, 'POST', '/api/v1/auth/forgot-password', {
        body: { email: 'nobody-here@example.com' },
      });
      expect(known.status).toBe(202);
      expect(unknown).toEqual({ ...known, headers: unknown.headers });

      const token = await tokenFromOutbox(outbox, user.email, RESET);
      const reset = await call(t, 'POST', '/api/v1/auth/reset-password', {
        body: { token, newPassword: 'Reset-Horse-42' },
      });
      expect(reset.status).toBe(204);
      expect((await call(t, 'GET', '/api/v1/auth/me', { token: user.accessToken })).status).toBe(401);
      const reuse = await call(t, 'POST', '/api/v1/auth/reset-password', {
        body: { token, newPassword: 'Reset-Horse-43' },
      });
      expect([reuse.status, reuse.body.code]).toEqual([400, 'AUTH_LINK_INVALID']);
      expect(
        (await call(t, 'POST', '/api/v1/auth/login', { body: { login: user.email, password: 'Reset-Horse-42' } }))
          .status,
      ).toBe(200);

      await call(t, 'POST', '/api/v1/auth/forgot-password', { body: { email: user.email } });
      const second = await eventuallyNewToken(user.email, token);
      const em = t.app.get(MikroORM).em.fork();
      await em.nativeUpdate(AuthToken, { user: user.id, usedAt: null }, { expiresAt: new Date(Date.now() - 1000) });
      const expired = await call(t, 'POST', '/api/v1/auth/reset-password', {
        body: { token: second, newPassword: 'Reset-Horse-44' },
      });
      expect([expired.status, expired.body.code]).toEqual([400, 'AUTH_LINK_INVALID']);
    });

    async function eventuallyNewToken(email: string, previous: string): Promise<string> {
      for (let i = 0; i < 50; i++) {
        const token = await tokenFromOutbox(outbox, email, RESET);
        if (token !== previous) {
          return token;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('no second reset mail');
    }
  });

  describe('two-factor authentication', () => {
    it('enrols, logs in through a challenge, steps up, uses a recovery code once, and disables', async () => {
      const user = await registerUser(t);
      const stepUpBefore = await call(t, 'POST', '/api/v1/test-probe/secure/step-up', { token: user.accessToken });
      expect([stepUpBefore.status, stepUpBefore.body.code]).toEqual([403, 'AUTH_2FA_REQUIRED']);

      const enrolled = await user.api.POST('/api/v1/auth/2fa/enroll');
      expect(enrolled.data?.otpauthUri).toMatch(/^otpauth:\/\/totp\/Switchboard:/);
      const secret = enrolled.data!.secret;
      const bad = await call(t, 'POST', '/api/v1/auth/2fa/confirm', {
        token: user.accessToken,
        body: { code: '000000' },
      });
      expect([bad.status, bad.body.code]).toEqual([401, 'AUTH_2FA_INVALID_CODE']);
      // The very code used at confirm is replayed below (generating it again could cross a 30 s step).
      const usedCode = authenticator.generate(secret);
      const confirmed = await user.api.POST('/api/v1/auth/2fa/confirm', { body: { code: usedCode } });
      const recoveryCodes = confirmed.data!.recoveryCodes;
      expect(recoveryCodes).toHaveLength(10);

      const login = await t.api.POST('/api/v1/auth/login', { body: { login: user.email, password: user.password } });
      expect(login.data).toMatchObject({ twoFactorRequired: true });
      expect(login.data?.tokens).toBeUndefined();
      const challengeToken = login.data!.challengeToken!;
      // A code already used (at confirm) is refused within its window, then a recovery code works once.
      const replay = await call(t, 'POST', '/api/v1/auth/2fa/verify', {
        body: { challengeToken, code: usedCode },
      });
      expect([replay.status, replay.body.code]).toEqual([401, 'AUTH_2FA_INVALID_CODE']);
      const verified = await t.api.POST('/api/v1/auth/2fa/verify', {
        body: { challengeToken, recoveryCode: recoveryCodes[0] },
      });
      const mfaToken = verified.data!.accessToken;
      const stepUp = await call(t, 'POST', '/api/v1/test-probe/secure/step-up', { token: mfaToken });
      expect([stepUp.status, stepUp.body]).toEqual([200, { userId: user.id }]);
      const reused = await call(t, 'POST', '/api/v1/auth/2fa/verify', {
        body: { challengeToken, recoveryCode: recoveryCodes[0] },
      });
      expect([reused.status, reused.body.code]).toEqual([401, 'AUTH_2FA_INVALID_CODE']);
      const forged = await call(t, 'POST', '/api/v1/auth/2fa/verify', {
        body: { challengeToken: user.accessToken, code: '123456' },
      });
      expect([forged.status, forged.body.code]).toEqual([401, 'AUTH_2FA_CHALLENGE_INVALID']);

      const disabled = await call(t, 'POST', '/api/v1/auth/2fa/disable', {
        token: mfaToken,
        body: { password: user.password, code: recoveryCodes[1] },
      });
      expect(disabled.status).toBe(204);
      const plain = await t.api.POST('/api/v1/auth/login', { body: { login: user.email, password: user.password } });
      expect(plain.data?.twoFactorRequired).toBe(false);
    });
  });

  describe('guests', () => {
    it('creates a guest with quotas, refuses past the quota with 403 naming it, and upgrades keeping the account', async () => {
      const guest = await t.api.POST('/api/v1/auth/guest');
      const token = guest.data!.accessToken;
      expect(guest.data?.user).toMatchObject({ role: 'guest', email: null });
      const api = createSwitchboardClient(t.baseUrl, { token });
      expect((await api.GET('/api/v1/auth/me/quotas')).data).toEqual([
        { key: 'imports', limit: 2, used: 0, remaining: 2 },
        { key: 'messages', limit: 200, used: 0, remaining: 200 },
      ]);

      const results = await Promise.all(
        Array.from({ length: 6 }, () => call(t, 'POST', '/api/v1/test-probe/secure/consume-import', { token })),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(2);
      const refused = results.find((r) => r.status === 403)!;
      expect(refused.body).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { quota: 'imports', limit: 2, used: 2 } });
      expect(refused.body.message).toContain('imports');

      const upgraded = await api.POST('/api/v1/auth/guest/upgrade', {
        body: { email: 'upgraded-guest@example.com', username: 'upgraded-guest', password: 'Guest-Horse-9' },
      });
      expect(upgraded.data).toMatchObject({
        id: guest.data!.user.id,
        role: 'user',
        email: 'upgraded-guest@example.com',
      });
      expect((await call(t, 'POST', '/api/v1/test-probe/secure/consume-import', { token })).status).toBe(200);
      const notGuest = await call(t, 'POST', '/api/v1/auth/guest/upgrade', {
        token,
        body: { email: 'x-guest@example.com', username: 'x-guest', password: 'Guest-Horse-9' },
      });
      expect([notGuest.status, notGuest.body.code]).toEqual([409, 'AUTH_NOT_A_GUEST']);
    });
  });
});
