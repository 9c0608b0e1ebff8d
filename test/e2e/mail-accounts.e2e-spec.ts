import { MikroORM } from '@mikro-orm/postgresql';
import { Membership, OrgRole } from 'src/modules/organizations/membership.entity';
import { startDovecot, type RunningDovecot } from '../../scripts/local/dovecot';
import { startSmtpSink, type RunningSmtpSink } from '../../scripts/local/smtp-sink';
import { freePort } from '../../scripts/local/services';
import { forgetMailAccounts, LOCAL_MAIL_SERVERS } from '../support/mail-fixtures';
import { call, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';

const PASSWORD = 'imap-secret-1';
const SMTP = { user: 'mailer', pass: 'smtp-pw' };

describe('mail accounts: connection tests, autodiscovery, CRUD against a real Dovecot and SMTP server', () => {
  let t: TestApp;
  let imap: RunningDovecot;
  let smtp: RunningSmtpSink;
  let owner: TestUser;
  let orgId: string;

  const inOrg = (user: TestUser, org = orgId) => ({ token: user.accessToken, headers: { 'x-organization-id': org } });
  const settings = (
    email: string,
    overrides: { password?: string; imapPort?: number; imapHost?: string; imapSecurity?: string } = {},
  ) => ({
    email,
    password: overrides.password ?? PASSWORD,
    imap: {
      host: overrides.imapHost ?? imap.host,
      port: overrides.imapPort ?? imap.port,
      security: overrides.imapSecurity ?? 'none',
    },
    smtp: { host: smtp.host, port: smtp.port, security: 'none', user: SMTP.user, password: SMTP.pass },
  });

  beforeAll(async () => {
    [imap, smtp] = await Promise.all([startDovecot(), startSmtpSink({ auth: SMTP })]);
    for (const n of [1, 2, 3, 4, 5, 6]) {
      imap.addUser(`box${n}@example.com`, PASSWORD);
    }
    t = await startTestApp({ ...LOCAL_MAIL_SERVERS, MAIL_CONNECT_TIMEOUT_MS: '3000' });
    owner = await registerUser(t);
    orgId = (await call(t, 'POST', '/api/v1/organizations', { token: owner.accessToken, body: { name: 'Mail Co' } }))
      .body.id;
  });
  afterAll(async () => {
    if (t) {
      await forgetMailAccounts(t);
      await t.close();
    }
    await Promise.all([imap?.stop(), smtp?.stop()]);
  });

  it('tests both sides and names the failing side and stage: auth, unreachable, dns', async () => {
    const ok = await call(t, 'POST', '/api/v1/mail/accounts/test', {
      ...inOrg(owner),
      body: settings('box1@example.com'),
    });
    expect([ok.status, ok.body.imap.ok, ok.body.smtp.ok]).toEqual([200, true, true]);

    const wrongPassword = await call(t, 'POST', '/api/v1/mail/accounts/test', {
      ...inOrg(owner),
      body: settings('box1@example.com', { password: 'wrong' }),
    });
    expect([wrongPassword.status, wrongPassword.body.code]).toEqual([422, 'MAIL_CONNECTION_FAILED']);
    expect(wrongPassword.body.details).toMatchObject({ imap: { ok: false, stage: 'auth' }, smtp: { ok: true } });
    expect(wrongPassword.body.message).toMatch(/^IMAP connection failed/);

    const closedPort = await freePort();
    const wrongPort = await call(t, 'POST', '/api/v1/mail/accounts/test', {
      ...inOrg(owner),
      body: settings('box1@example.com', { imapPort: closedPort }),
    });
    expect([wrongPort.status, wrongPort.body.details.imap.stage]).toEqual([422, 'unreachable']);

    const noSuchHost = await call(t, 'POST', '/api/v1/mail/accounts/test', {
      ...inOrg(owner),
      body: settings('box1@example.com', { imapHost: 'no-such-host.invalid' }),
    });
    expect([noSuchHost.status, noSuchHost.body.details.imap.stage]).toEqual([422, 'dns']);

    const tlsOnPlain = await call(t, 'POST', '/api/v1/mail/accounts/test', {
      ...inOrg(owner),
      body: settings('box1@example.com', { imapSecurity: 'tls' }),
    });
    // A TLS handshake with something that is not a TLS server: nothing spoke IMAP, so the same answer as a closed port.
    expect([tlsOnPlain.status, tlsOnPlain.body.details.imap.stage]).toEqual([422, 'unreachable']);

    const invalid = await call(t, 'POST', '/api/v1/mail/accounts/test', {
      ...inOrg(owner),
      body: { email: 'nope', imap: { host: 'bad host', port: 0, security: 'ssl' }, smtp: {} },
    });
    expect(invalid.status).toBe(400);
    const fields = (invalid.body.details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['email', 'imap.host', 'imap.port', 'imap.security', 'smtp.host']));
  });

  it('refuses servers without TLS unless MAIL_ALLOW_INSECURE is set', async () => {
    const strict = await startTestApp({});
    try {
      const user = await registerUser(strict);
      const org = (
        await call(strict, 'POST', '/api/v1/organizations', { token: user.accessToken, body: { name: 'Strict' } })
      ).body.id;
      const res = await call(strict, 'POST', '/api/v1/mail/accounts/test', {
        token: user.accessToken,
        headers: { 'x-organization-id': org },
        body: settings('box1@example.com'),
      });
      expect([res.status, res.body.code, res.body.details.field]).toEqual([
        400,
        'MAIL_INSECURE_REFUSED',
        'imap.security',
      ]);
    } finally {
      await strict.close();
    }
  });

  it('discovers settings for well-known providers and guesses for other domains', async () => {
    const gmail = await call(t, 'GET', '/api/v1/mail/autodiscover?email=Ada@Gmail.com', inOrg(owner));
    expect(gmail.body).toMatchObject({
      provider: 'Gmail',
      source: 'known-provider',
      imap: { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'ada@gmail.com' },
      smtp: { host: 'smtp.gmail.com', port: 465, security: 'tls' },
      appPassword: true,
    });
    const icloud = await call(t, 'GET', '/api/v1/mail/autodiscover?email=ada@icloud.com', inOrg(owner));
    expect(icloud.body.imap.user).toBe('ada');
    const other = await call(t, 'GET', '/api/v1/mail/autodiscover?email=ada@example.invalid', inOrg(owner));
    expect(other.body).toMatchObject({
      source: 'guess',
      imap: { host: 'imap.example.invalid', port: 993, security: 'tls' },
      smtp: { host: 'smtp.example.invalid', port: 587, security: 'starttls' },
    });
  });

  it('adds, lists, updates, pauses and deletes accounts, private to their owner, within the plan quota', async () => {
    const created = await call(t, 'POST', '/api/v1/mail/accounts', {
      ...inOrg(owner),
      body: { ...settings('box1@example.com'), name: 'Box One' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      email: 'box1@example.com',
      name: 'Box One',
      syncState: 'pending',
      paused: false,
      imap: { host: imap.host, port: imap.port, security: 'none', user: 'box1@example.com' },
      smtp: { user: SMTP.user },
    });
    expect(JSON.stringify(created.body)).not.toContain(PASSWORD);
    const id = created.body.id as string;

    const duplicate = await call(t, 'POST', '/api/v1/mail/accounts', {
      ...inOrg(owner),
      body: settings('box1@example.com'),
    });
    expect([duplicate.status, duplicate.body.code]).toEqual([409, 'MAIL_ACCOUNT_EXISTS']);

    // Another member of the same organization, and a stranger, see nothing of it.
    const colleague = await registerUser(t);
    const stranger = await registerUser(t);
    const strangerOrg = (
      await call(t, 'POST', '/api/v1/organizations', { token: stranger.accessToken, body: { name: 'Elsewhere' } })
    ).body.id;
    const em = t.app.get(MikroORM).em.fork();
    em.create(Membership, { organization: orgId, user: colleague.id, role: OrgRole.Admin });
    await em.flush();
    for (const [user, org] of [
      [colleague, orgId],
      [stranger, strangerOrg],
    ] as const) {
      const res = await call(t, 'GET', `/api/v1/mail/accounts/${id}`, inOrg(user, org));
      expect([res.status, res.body.code]).toEqual([404, 'MAIL_ACCOUNT_NOT_FOUND']);
      const del = await call(t, 'DELETE', `/api/v1/mail/accounts/${id}`, inOrg(user, org));
      expect(del.status).toBe(404);
      const list = await call(t, 'GET', '/api/v1/mail/accounts', inOrg(user, org));
      expect(list.body.total).toBe(0);
    }
    const foreignOrg = await call(t, 'GET', `/api/v1/mail/accounts/${id}`, inOrg(stranger, orgId));
    expect([foreignOrg.status, foreignOrg.body.code]).toEqual([404, 'ORG_NOT_FOUND']);

    // A wrong new password is tested and refused; the stored one keeps working.
    const badUpdate = await call(t, 'PATCH', `/api/v1/mail/accounts/${id}`, {
      ...inOrg(owner),
      body: { password: 'nope', smtp: { ...settings('x').smtp } },
    });
    expect([badUpdate.status, badUpdate.body.details.imap.stage]).toEqual([422, 'auth']);
    const renamed = await call(t, 'PATCH', `/api/v1/mail/accounts/${id}`, {
      ...inOrg(owner),
      body: { name: 'Inbox One' },
    });
    expect(renamed.body).toMatchObject({ name: 'Inbox One' });
    const paused = await call(t, 'POST', `/api/v1/mail/accounts/${id}/pause`, inOrg(owner));
    expect(paused.body).toMatchObject({ paused: true, syncState: 'paused' });
    const resumed = await call(t, 'POST', `/api/v1/mail/accounts/${id}/resume`, inOrg(owner));
    expect(resumed.body).toMatchObject({ paused: false, syncState: 'pending' });

    // Free plan: 2 mail accounts per organization, held under parallel requests.
    const parallel = await Promise.all(
      [2, 3, 4, 5, 6].map((n) =>
        call(t, 'POST', '/api/v1/mail/accounts', { ...inOrg(owner), body: settings(`box${n}@example.com`) }),
      ),
    );
    expect(parallel.filter((r) => r.status === 201)).toHaveLength(1);
    const refused = parallel.filter((r) => r.status === 403);
    expect(refused).toHaveLength(4);
    expect(refused[0].body).toMatchObject({
      code: 'ORG_QUOTA_EXCEEDED',
      details: { quota: 'mail_accounts', limit: 2 },
    });

    const removed = await call(t, 'DELETE', `/api/v1/mail/accounts/${id}`, inOrg(owner));
    expect(removed.status).toBe(204);
    expect((await call(t, 'GET', `/api/v1/mail/accounts/${id}`, inOrg(owner))).status).toBe(404);
    const list = await call(t, 'GET', '/api/v1/mail/accounts', inOrg(owner));
    expect(list.body.total).toBe(1);
  });
});
