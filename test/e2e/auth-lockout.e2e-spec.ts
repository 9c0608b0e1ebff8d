import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import type Redis from 'ioredis';
import { authenticator } from 'otplib';
import { REDIS } from 'src/redis/redis.module';
import { AuditEvent, AuditEventType } from 'src/modules/users/audit-event.entity';
import { Organization, Plan } from 'src/modules/organizations/organization.entity';
import { tokenFromOutbox } from '../support/outbox';
import { call, inOrg, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';

const UNLOCK = /Unlock token: (\S+)/;

/** Addresses of their own (TEST-NET-1), so these counters touch no other suite sharing this Redis. */
let nextIp = 1;
const newIp = (): string => `192.0.2.${nextIp++}`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('login throttling and lockout that strangers cannot turn against the owner', () => {
  const outbox = mkdtempSync(join(tmpdir(), 'switchboard-lockout-'));
  let t: TestApp;

  beforeAll(async () => {
    // Behind a trusted proxy, X-Forwarded-For sets the client IP (Fastify trustProxy: the leftmost address),
    // so one test process can be many sources. Without the header the client is 127.0.0.1.
    t = await startTestApp({
      TRUST_PROXY: 'true',
      MAIL_OUTBOX_DIR: outbox,
      LOCKOUT_SOURCE_THRESHOLD: '2',
      LOCKOUT_DELAY_SECONDS: '1',
      LOCKOUT_DELAY_MAX_SECONDS: '60',
      LOCKOUT_THRESHOLD: '4',
      LOCKOUT_IP_THRESHOLD: '6',
      LOCKOUT_SECONDS: '120',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    });
    // Owners here log in from 127.0.0.1, the address every suite sharing this Redis fails logins from; with this
    // suite's low per-IP threshold, those earlier failures must not count against it.
    await t.app.get<Redis>(REDIS).del('auth:fail:ip:127.0.0.1');
  });
  afterAll(() => t.close());

  function login(
    loginName: string,
    password: string,
    from?: string,
    extra: { deviceToken?: string; code?: string; recoveryCode?: string } = {},
  ): ReturnType<typeof call> {
    const { deviceToken, ...body } = extra;
    return call(t, 'POST', '/api/v1/auth/login', {
      body: { login: loginName, password, ...body },
      headers: {
        ...(from ? { 'x-forwarded-for': from } : {}),
        ...(deviceToken ? { 'x-device-token': deviceToken } : {}),
      },
    });
  }

  /** Fails from fresh attacker addresses, one attempt each, until the account locks for unknown sources. */
  async function lockFromStrangers(loginName: string): Promise<void> {
    for (let i = 0; i < 10; i++) {
      const res = await login(loginName, 'Wrong-pass-1', newIp());
      if (res.status === 423) {
        expect(res.body.code).toBe('AUTH_ACCOUNT_LOCKED');
        return;
      }
      expect(res.status).toBe(401);
    }
    throw new Error(`${loginName} did not lock`);
  }

  const audit = (where: Partial<Pick<AuditEvent, 'subjectId' | 'type' | 'ip'>>): Promise<AuditEvent[]> =>
    t.app
      .get(MikroORM)
      .em.fork()
      .find(AuditEvent, where, { orderBy: { createdAt: 'asc' } });

  const statusAndCode = (r: { status: number; body: { code?: string } | undefined }): [number, string | undefined] => [
    r.status,
    r.body?.code,
  ];

  it('lets the owner in from a known IP or device while strangers have locked the account for everyone else', async () => {
    const owner = await registerUser(t); // registered from 127.0.0.1: that IP is now known to the account
    const home = await login(owner.email, owner.password);
    expect(home.status).toBe(200);
    const deviceToken = home.body.tokens.deviceToken as string;
    expect(deviceToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    await lockFromStrangers(owner.username);
    // Before the fix this was 423 for the owner too, right password or not.
    const fromHome = await login(owner.email, owner.password);
    expect(fromHome.status).toBe(200);
    // A new network, but the device logged in before: it passes and keeps its token.
    const travelling = await login(owner.username, owner.password, newIp(), { deviceToken });
    expect(travelling.status).toBe(200);
    expect(travelling.body.tokens.deviceToken).toBe(deviceToken);
    // A stranger with the right password from an unknown source, or with a made-up device token, does not.
    const stranger = await login(owner.email, owner.password, newIp(), { deviceToken: 'x'.repeat(43) });
    expect(statusAndCode(stranger)).toEqual([423, 'AUTH_ACCOUNT_LOCKED']);
    expect(Number(stranger.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers and counts unknown accounts exactly like real ones', async () => {
    const real = await registerUser(t);
    const sequence = async (loginName: string, password: string): Promise<Array<[number, string | undefined]>> => {
      const [a, b, c] = [newIp(), newIp(), newIp()];
      const results = [];
      // Alternating case: the identifier counts as findByLogin reads it, for real and unknown accounts alike.
      let upper = false;
      for (const [ip, pass] of [
        [a, 'Wrong-pass-1'],
        [a, 'Wrong-pass-1'],
        [a, 'Wrong-pass-1'], // the pair must wait now
        [b, 'Wrong-pass-1'],
        [b, 'Wrong-pass-1'], // fourth failure from strangers: the account locks
        [c, password],
      ]) {
        results.push(statusAndCode(await login(upper ? loginName.toUpperCase() : loginName, pass, ip)));
        upper = !upper;
      }
      return results;
    };
    const forReal = await sequence(real.username, real.password);
    const forNobody = await sequence(`nobody-${Date.now()}`, real.password);
    expect(forReal).toEqual([
      [401, 'AUTH_INVALID_CREDENTIALS'],
      [401, 'AUTH_INVALID_CREDENTIALS'],
      [429, 'AUTH_TOO_MANY_ATTEMPTS'],
      [401, 'AUTH_INVALID_CREDENTIALS'],
      [401, 'AUTH_INVALID_CREDENTIALS'],
      [423, 'AUTH_ACCOUNT_LOCKED'],
    ]);
    expect(forNobody).toEqual(forReal);
  });

  it('makes an attacking (account, source) pair wait longer and longer (429 + growing Retry-After)', async () => {
    const owner = await registerUser(t);
    const attacker = newIp();
    const waits: number[] = [];
    expect((await login(owner.email, 'Wrong-pass-1', attacker)).status).toBe(401);
    for (let round = 0; round < 3; round++) {
      expect((await login(owner.email, 'Wrong-pass-1', attacker)).status).toBe(401);
      const refused = await login(owner.email, owner.password, attacker); // even the right password waits
      expect(statusAndCode(refused)).toEqual([429, 'AUTH_TOO_MANY_ATTEMPTS']);
      waits.push(Number(refused.headers.get('retry-after')));
      // Meanwhile the owner, from their own address, is not slowed down by the attacker's pair.
      expect((await login(owner.email, owner.password)).status).toBe(200);
      await sleep(waits[round] * 1000 + 100);
    }
    expect(waits).toEqual([1, 2, 4]);
  });

  it('keeps the per-IP limit across accounts, except for a device known to the account', async () => {
    const owner = await registerUser(t);
    const deviceToken = (await login(owner.email, owner.password)).body.tokens.deviceToken as string;
    const sprayer = newIp();
    for (let i = 0; i < 6; i++) {
      expect((await login(`spray-${i}-${Date.now()}`, 'Wrong-pass-1', sprayer)).status).toBe(401);
    }
    const refused = await login(owner.email, owner.password, sprayer);
    expect(statusAndCode(refused)).toEqual([429, 'AUTH_TOO_MANY_ATTEMPTS']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(owner.email, owner.password, sprayer, { deviceToken })).status).toBe(200);
  });

  it('lets a valid second factor through during the lock, in one step or through a challenge', async () => {
    const owner = await registerUser(t);
    const secret = (await owner.api.POST('/api/v1/auth/2fa/enroll')).data!.secret;
    const confirmed = await owner.api.POST('/api/v1/auth/2fa/confirm', {
      body: { code: authenticator.generate(secret) },
    });
    const recoveryCodes = confirmed.data!.recoveryCodes;
    // A challenge obtained (right password) before the lock trips.
    const traveller = newIp();
    const challenge = await login(owner.email, owner.password, traveller);
    expect(challenge.body).toMatchObject({ twoFactorRequired: true });

    await lockFromStrangers(owner.email);
    // Unknown source, right password, no code: 423, no challenge (the lock is no password oracle).
    const noCode = await login(owner.email, owner.password, newIp());
    expect(statusAndCode(noCode)).toEqual([423, 'AUTH_ACCOUNT_LOCKED']);
    const wrongCode = await login(owner.email, owner.password, newIp(), { code: '000000' });
    expect(statusAndCode(wrongCode)).toEqual([423, 'AUTH_ACCOUNT_LOCKED']);
    const wrongPassword = await login(owner.email, 'Wrong-pass-1', newIp(), { recoveryCode: recoveryCodes[0] });
    expect(statusAndCode(wrongPassword)).toEqual([423, 'AUTH_ACCOUNT_LOCKED']);

    // Password and TOTP together (the next 30 s step's code: the current one was spent on confirm).
    const nextCode = authenticator.clone({ epoch: Date.now() + 30_000 }).generate(secret);
    const oneStep = await login(owner.email, owner.password, newIp(), { code: nextCode });
    expect(oneStep.status).toBe(200);
    expect(oneStep.body).toMatchObject({ twoFactorRequired: false, tokens: { user: { id: owner.id } } });
    const me = await call(t, 'GET', '/api/v1/auth/sessions', { token: oneStep.body.tokens.accessToken });
    expect(me.body.find((s: { current: boolean }) => s.current)).toMatchObject({ mfa: true });

    const viaChallenge = await call(t, 'POST', '/api/v1/auth/2fa/verify', {
      body: { challengeToken: challenge.body.challengeToken, recoveryCode: recoveryCodes[0] },
      headers: { 'x-forwarded-for': traveller },
    });
    expect(viaChallenge.status).toBe(200);
    expect(viaChallenge.body.deviceToken).toEqual(expect.any(String));
  });

  it('mails the owner a single-use unlock token that lifts the lock, audited', async () => {
    const owner = await registerUser(t);
    await lockFromStrangers(owner.email);
    const token = await tokenFromOutbox(outbox, owner.email, UNLOCK);
    const newDevice = newIp();
    expect(statusAndCode(await login(owner.email, owner.password, newDevice))).toEqual([423, 'AUTH_ACCOUNT_LOCKED']);

    const unlocked = await call(t, 'POST', '/api/v1/auth/unlock', { body: { token } });
    expect(unlocked.status).toBe(204);
    expect(unlocked.headers.get('cache-control')).toBe('no-store');
    expect((await login(owner.email, owner.password, newDevice)).status).toBe(200);
    const again = await call(t, 'POST', '/api/v1/auth/unlock', { body: { token } });
    expect(statusAndCode(again)).toEqual([400, 'AUTH_LINK_INVALID']);

    expect(await audit({ subjectId: owner.id, type: AuditEventType.AccountLocked })).toHaveLength(1);
    expect(await audit({ subjectId: owner.id, type: AuditEventType.AccountUnlocked })).toEqual([
      expect.objectContaining({ actorId: owner.id, ip: '127.0.0.1' }),
    ]);
  });

  it('audits every failed login with its source, known account or not', async () => {
    const owner = await registerUser(t);
    const attacker = newIp();
    await login(owner.username, 'Wrong-pass-1', attacker);
    const unknown = `ghost-${Date.now()}`;
    await login(unknown, 'Wrong-pass-1', attacker);

    const failures = await audit({ type: AuditEventType.LoginFailed, ip: attacker });
    expect(failures).toEqual([
      expect.objectContaining({ subjectId: owner.id, metadata: { login: owner.username } }),
      expect.objectContaining({ subjectId: null, metadata: { login: unknown } }),
    ]);
    // Refusals during a lock are failed logins too.
    await lockFromStrangers(owner.username);
    const refusedAt = (await audit({ subjectId: owner.id, type: AuditEventType.LoginFailed })).at(-1);
    expect(refusedAt?.metadata).toEqual({ login: owner.username, reason: 'account_locked' });
  });

  describe('Cache-Control: no-store on answers that carry credentials', () => {
    const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };
    const cacheHeaders = (r: { headers: Headers }): Record<string, string | null> => ({
      'cache-control': r.headers.get('cache-control'),
      pragma: r.headers.get('pragma'),
    });

    it('on register, login, refresh, 2FA and guest sessions, errors included', async () => {
      const registered = await call(t, 'POST', '/api/v1/auth/register', {
        body: {
          email: `nostore-${Date.now()}@example.com`,
          username: `nostore-${Date.now()}`,
          password: 'Correct-Horse-9',
        },
      });
      expect(registered.status).toBe(201);
      expect(cacheHeaders(registered)).toEqual(NO_STORE);
      const user = await registerUser(t);
      const loggedIn = await login(user.email, user.password);
      expect(cacheHeaders(loggedIn)).toEqual(NO_STORE);
      expect(cacheHeaders(await login(user.email, 'Wrong-pass-1', newIp()))).toEqual(NO_STORE);
      const refreshed = await call(t, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: user.refreshToken } });
      expect([refreshed.status, cacheHeaders(refreshed)]).toEqual([200, NO_STORE]);
      const guest = await call(t, 'POST', '/api/v1/auth/guest');
      expect([guest.status, cacheHeaders(guest)]).toEqual([201, NO_STORE]);
      const enrolled = await call(t, 'POST', '/api/v1/auth/2fa/enroll', { token: user.accessToken });
      expect([enrolled.status, cacheHeaders(enrolled)]).toEqual([200, NO_STORE]);
      const verify = await call(t, 'POST', '/api/v1/auth/2fa/verify', {
        body: { challengeToken: 'x', code: '123456' },
      });
      expect([verify.status, cacheHeaders(verify)]).toEqual([401, NO_STORE]);
      // An ordinary read keeps its default.
      const info = await call(t, 'GET', '/api/v1/system/info');
      expect(info.headers.get('cache-control')).not.toBe('no-store');
    });

    it('on API keys and webhook secrets', async () => {
      const owner: TestUser = await registerUser(t);
      const org = await call(t, 'POST', '/api/v1/organizations', {
        token: owner.accessToken,
        body: { name: 'No Store' },
      });
      const orgId = org.body.id as string;
      await t.app.get(MikroORM).em.fork().nativeUpdate(Organization, { id: orgId }, { plan: Plan.Pro });
      const key = await call(t, 'POST', '/api/v1/settings/api-keys', {
        ...inOrg(owner, orgId),
        body: { name: 'ci', scopes: ['org.read'] },
      });
      expect([key.status, cacheHeaders(key)]).toEqual([201, NO_STORE]);
      const endpoint = await call(t, 'POST', '/api/v1/webhooks/endpoints', {
        ...inOrg(owner, orgId),
        body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['member.joined'] },
      });
      expect([endpoint.status, cacheHeaders(endpoint)]).toEqual([201, NO_STORE]);
      const secret = await call(t, 'GET', `/api/v1/webhooks/endpoints/${endpoint.body.id}/secret`, inOrg(owner, orgId));
      expect([secret.status, cacheHeaders(secret)]).toEqual([200, NO_STORE]);
    });

    it('is declared (x-no-store) on every operation whose answer has a token, key or secret field', async () => {
      const spec = (await call(t, 'GET', '/docs-json')).body as {
        paths: Record<string, Record<string, any>>;
        components: { schemas: Record<string, any> };
      };
      const SECRET_FIELDS = /^(accessToken|refreshToken|challengeToken|deviceToken|token|secret|recoveryCodes)$/;
      const carriesSecret = (schema: any, name: string, seen: Set<string>): boolean => {
        if (!schema || typeof schema !== 'object') {
          return false;
        }
        if (schema.$ref) {
          const ref = (schema.$ref as string).split('/').pop()!;
          if (seen.has(ref)) {
            return false;
          }
          seen.add(ref);
          return carriesSecret(spec.components.schemas[ref], ref, seen);
        }
        const props = Object.entries((schema.properties ?? {}) as Record<string, any>);
        return (
          props.some(([field]) => SECRET_FIELDS.test(field) || (field === 'key' && /ApiKey/.test(name))) ||
          props.some(([, value]) => carriesSecret(value, name, seen)) ||
          carriesSecret(schema.items, name, seen) ||
          ['allOf', 'oneOf', 'anyOf'].some((k) => (schema[k] ?? []).some((s: any) => carriesSecret(s, name, seen)))
        );
      };
      const carrying: string[] = [];
      const undeclared: string[] = [];
      for (const [path, methods] of Object.entries(spec.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          const ok = Object.entries((op.responses ?? {}) as Record<string, any>).filter(([s]) => s.startsWith('2'));
          if (ok.some(([, r]) => carriesSecret(r.content?.['application/json']?.schema, '', new Set()))) {
            carrying.push(`${method} ${path}`);
            if (op['x-no-store'] !== true) {
              undeclared.push(`${method} ${path}`);
            }
          }
        }
      }
      expect(carrying).toEqual(
        expect.arrayContaining([
          'post /api/v1/auth/login',
          'post /api/v1/settings/api-keys',
          'get /api/v1/webhooks/endpoints/{id}/secret',
        ]),
      );
      expect(undeclared).toEqual([]);
    });
  });
});
