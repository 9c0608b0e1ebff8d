/**
 * The mail connection test and account settings may not be pointed at this machine, the private network or a cloud
 * metadata address (refused with 400 before any connection), and for allowed hosts the answer does not tell a closed
 * port from an open one that is not a mail server. All traffic stays on 127.0.0.1: refused targets are never
 * connected to, which a listener on 127.0.0.1 proves.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { startDovecot, type RunningDovecot } from '../../scripts/local/dovecot';
import { startSmtpSink, type RunningSmtpSink } from '../../scripts/local/smtp-sink';
import { freePort } from '../../scripts/local/services';
import { forgetMailAccounts, LOCAL_MAIL_SERVERS } from '../support/mail-fixtures';
import { call, inOrg, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';

const PASSWORD = 'imap-secret-1';
const SMTP = { user: 'mailer', pass: 'smtp-pw' };

/** A TCP server on 127.0.0.1 that counts connections; `greet` is written to each (nothing: a silent server). */
async function listener(greet?: string): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    if (greet) {
      socket.write(greet);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

describe('mail SSRF policy: where connection tests and accounts may point', () => {
  let strict: TestApp;
  let local: TestApp;
  let imap: RunningDovecot;
  let smtp: RunningSmtpSink;
  let trap: Awaited<ReturnType<typeof listener>>;
  let garbage: Awaited<ReturnType<typeof listener>>;
  let silent: Awaited<ReturnType<typeof listener>>;

  const member = async (t: TestApp): Promise<{ user: TestUser; orgId: string }> => {
    const user = await registerUser(t);
    const org = await call(t, 'POST', '/api/v1/organizations', { token: user.accessToken, body: { name: 'SSRF' } });
    return { user, orgId: org.body.id as string };
  };
  const side = (host: string, port: number, security = 'none') => ({ host, port, security });
  const body = (imapSide: object, smtpSide: object, password = PASSWORD) => ({
    email: 'box1@example.com',
    password,
    imap: imapSide,
    smtp: { ...smtpSide, user: SMTP.user, password: SMTP.pass },
  });

  beforeAll(async () => {
    [imap, smtp, trap, garbage, silent] = await Promise.all([
      startDovecot(),
      startSmtpSink({ auth: SMTP }),
      listener('* OK trap\r\n220 trap\r\n'),
      listener('HTTP/1.1 400 Bad Request\r\nContent-Length: 5\r\n\r\n\x00\x01\x02garbage\r\n'),
      listener(),
    ]);
    imap.addUser('box1@example.com', PASSWORD);
    // Default policy (no private or loopback allowance); plain-text servers allowed so only the host decides.
    strict = await startTestApp({ MAIL_ALLOW_INSECURE: 'true', MAIL_CONNECT_TIMEOUT_MS: '1500' });
    // The self-hoster's setting: 127.0.0.1 listed explicitly.
    local = await startTestApp({ ...LOCAL_MAIL_SERVERS, MAIL_CONNECT_TIMEOUT_MS: '1500' });
  });
  afterAll(async () => {
    for (const t of [strict, local]) {
      if (t) {
        await forgetMailAccounts(t);
        await t.close();
      }
    }
    await Promise.all([imap?.stop(), smtp?.stop(), trap?.close(), garbage?.close(), silent?.close()]);
  });

  it('refuses loopback, link-local, metadata and private hosts with 400 naming the field, connecting to none', async () => {
    const { user, orgId } = await member(strict);
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['localhost', 'loopback'],
      ['2130706433', 'loopback'], // a "name" the resolver turns into 127.0.0.1
      ['::1', 'loopback'],
      ['[::1]', 'loopback'],
      ['169.254.169.254', 'metadata'],
      ['fd00:ec2::254', 'metadata'],
      ['169.254.10.1', 'link-local'],
      ['10.0.0.1', 'private'],
      ['192.168.1.10', 'private'],
      ['0.0.0.0', 'unspecified'],
      ['224.0.0.1', 'multicast'],
    ];
    for (const [host, reason] of cases) {
      const res = await call(strict, 'POST', '/api/v1/mail/accounts/test', {
        ...inOrg(user, orgId),
        body: body(side(host, trap.port), side('127.0.0.1', trap.port)),
      });
      expect([host, res.status, res.body.code, res.body.details]).toEqual([
        host,
        400,
        'MAIL_HOST_NOT_ALLOWED',
        { field: 'imap.host', reason },
      ]);
      expect(res.body.message).toMatch(/^imap\.host "/);
    }
    const loopback = await call(strict, 'POST', '/api/v1/mail/accounts/test', {
      ...inOrg(user, orgId),
      body: body(side('localhost', trap.port), side('127.0.0.1', trap.port)),
    });
    expect(loopback.body.message).toBe(
      'imap.host "localhost" resolves to a loopback address (this machine): allowed only when listed in MAIL_ALLOWED_HOSTS',
    );

    // Saving is refused the same way, and nothing is saved.
    const created = await call(strict, 'POST', '/api/v1/mail/accounts', {
      ...inOrg(user, orgId),
      body: body(side('127.0.0.1', trap.port), side('127.0.0.1', trap.port)),
    });
    expect([created.status, created.body.code, created.body.details.field]).toEqual([
      400,
      'MAIL_HOST_NOT_ALLOWED',
      'imap.host',
    ]);
    const list = await call(strict, 'GET', '/api/v1/mail/accounts', inOrg(user, orgId));
    expect(list.body.total).toBe(0);

    expect(trap.connections()).toBe(0);
  });

  it('checks both hosts before either side connects, and checks saved accounts when they change', async () => {
    const { user, orgId } = await member(local);
    // IMAP is allowed here (127.0.0.1 is listed) but SMTP is not: the allowed side is not connected to either.
    const res = await call(local, 'POST', '/api/v1/mail/accounts/test', {
      ...inOrg(user, orgId),
      body: body(side('127.0.0.1', trap.port), side('169.254.169.254', 25)),
    });
    expect([res.status, res.body.code, res.body.details]).toEqual([
      400,
      'MAIL_HOST_NOT_ALLOWED',
      { field: 'smtp.host', reason: 'metadata' },
    ]);
    expect(res.body.message).toMatch(/never allowed for mail servers$/);
    // Listing 127.0.0.1 opens neither ::1 nor the private network.
    for (const [host, reason] of [
      ['::1', 'loopback'],
      ['10.1.2.3', 'private'],
    ]) {
      const other = await call(local, 'POST', '/api/v1/mail/accounts/test', {
        ...inOrg(user, orgId),
        body: body(side(host, trap.port), side('127.0.0.1', trap.port)),
      });
      expect([host, other.status, other.body.details]).toEqual([host, 400, { field: 'imap.host', reason }]);
    }
    expect(trap.connections()).toBe(0);

    const account = await call(local, 'POST', '/api/v1/mail/accounts', {
      ...inOrg(user, orgId),
      body: body(side(imap.host, imap.port), side(smtp.host, smtp.port)),
    });
    expect(account.status).toBe(201);
    const moved = await call(local, 'PATCH', `/api/v1/mail/accounts/${account.body.id}`, {
      ...inOrg(user, orgId),
      body: { imap: side('169.254.169.254', 993, 'tls') },
    });
    expect([moved.status, moved.body.code, moved.body.details.field]).toEqual([
      400,
      'MAIL_HOST_NOT_ALLOWED',
      'imap.host',
    ]);
    const kept = await call(local, 'GET', `/api/v1/mail/accounts/${account.body.id}`, inOrg(user, orgId));
    expect(kept.body.imap).toMatchObject({ host: imap.host, port: imap.port });
  });

  it('with loopback listed in MAIL_ALLOWED_HOSTS, the local Dovecot and SMTP server work', async () => {
    const { user, orgId } = await member(local);
    const ok = await call(local, 'POST', '/api/v1/mail/accounts/test', {
      ...inOrg(user, orgId),
      body: body(side(imap.host, imap.port), side(smtp.host, smtp.port)),
    });
    expect([ok.status, ok.body.imap.ok, ok.body.smtp.ok]).toEqual([200, true, true]);

    // MAIL_ALLOW_PRIVATE_HOSTS opens private networks, not this machine.
    const privateOnly = await startTestApp({ MAIL_ALLOW_INSECURE: 'true', MAIL_ALLOW_PRIVATE_HOSTS: 'true' });
    try {
      const other = await member(privateOnly);
      const res = await call(privateOnly, 'POST', '/api/v1/mail/accounts/test', {
        ...inOrg(other.user, other.orgId),
        body: body(side(imap.host, imap.port), side(smtp.host, smtp.port)),
      });
      expect([res.status, res.body.code, res.body.details.reason]).toEqual([400, 'MAIL_HOST_NOT_ALLOWED', 'loopback']);
    } finally {
      await privateOnly.close();
    }
  });

  it('answers a closed port, a silent port and a non-mail server alike; auth only once the server spoke', async () => {
    const { user, orgId } = await member(local);
    const closed = await freePort();
    const outcome = async (port: number, security = 'none') => {
      const res = await call(local, 'POST', '/api/v1/mail/accounts/test', {
        ...inOrg(user, orgId),
        body: body(side('127.0.0.1', port, security), side('127.0.0.1', port, security)),
      });
      const strip = ({ latencyMs: _latency, ...rest }: { latencyMs: number }) => rest;
      return {
        status: res.status,
        code: res.body.code,
        message: res.body.message,
        imap: strip(res.body.details.imap),
        smtp: strip(res.body.details.smtp),
      };
    };
    const refused = await outcome(closed);
    expect(refused).toEqual({
      status: 422,
      code: 'MAIL_CONNECTION_FAILED',
      message: expect.stringMatching(/^IMAP and SMTP connection failed: No IMAP server answered/),
      imap: { ok: false, stage: 'unreachable', message: expect.stringMatching(/^No IMAP server answered/) },
      smtp: { ok: false, stage: 'unreachable', message: expect.stringMatching(/^No SMTP server answered/) },
    });
    expect(JSON.stringify(refused)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|HTTP|garbage|timeout/i);
    expect(await outcome(garbage.port)).toEqual(refused);
    expect(await outcome(garbage.port, 'tls')).toEqual(refused);
    expect(await outcome(silent.port)).toEqual(refused);
    expect(garbage.connections()).toBeGreaterThan(0);

    const wrongPassword = await call(local, 'POST', '/api/v1/mail/accounts/test', {
      ...inOrg(user, orgId),
      body: body(side(imap.host, imap.port), side(smtp.host, smtp.port), 'wrong'),
    });
    expect([wrongPassword.status, wrongPassword.body.details.imap.stage]).toEqual([422, 'auth']);
  });
});
