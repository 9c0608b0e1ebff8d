import { MikroORM } from '@mikro-orm/postgresql';
import { ImapFlow } from 'imapflow';
import { MailAccount } from 'src/modules/mail/mail-account.entity';
import { call, eventually, inOrg, type TestApp, type TestUser } from './test-app';

/**
 * Settings for an app whose mail accounts use the tests' Dovecot and SMTP sink: both listen on 127.0.0.1 without TLS,
 * which the address policy refuses unless loopback is listed explicitly.
 */
export const LOCAL_MAIL_SERVERS = { MAIL_ALLOW_INSECURE: 'true', MAIL_ALLOWED_HOSTS: '127.0.0.1' } as const;

/** A raw RFC 822 message; with `attachment`, multipart/mixed with HTML and a small text file. */
export function rawMessage(
  n: number,
  options: { to?: string; subject?: string; attachment?: boolean; date?: Date; inReplyTo?: string } = {},
): string {
  const date = (options.date ?? new Date(Date.UTC(2024, 0, 1, 10, 0, n))).toUTCString();
  const headers = [
    `From: Sender ${n} <sender${n}@example.com>`,
    `To: ${options.to ?? 'owner@example.com'}`,
    `Subject: ${options.subject ?? `Message number ${n}`}`,
    `Message-ID: <msg-${n}@example.com>`,
    `Date: ${date}`,
    'MIME-Version: 1.0',
    ...(options.inReplyTo ? [`In-Reply-To: <${options.inReplyTo}>`, `References: <${options.inReplyTo}>`] : []),
  ];
  if (!options.attachment) {
    return [
      ...headers,
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Plain body of message ${n}, about walruses.`,
      '',
    ].join('\r\n');
  }
  return [
    ...headers,
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    '',
    `<p onclick="steal()">Hello <b>${n}</b></p><script>alert(1)</script>`,
    '--b1',
    'Content-Type: text/plain; name="notes.txt"',
    'Content-Disposition: attachment; filename="notes.txt"',
    '',
    'attached notes',
    '--b1--',
    '',
  ].join('\r\n');
}

export interface MailSetup {
  orgId: string;
  accountId: string;
}

/** Creates an organization and connects `email` on the given IMAP/SMTP servers (security none: loopback tests). */
export async function connectAccount(
  t: TestApp,
  owner: TestUser,
  servers: { imapHost: string; imapPort: number; smtpHost: string; smtpPort: number },
  email: string,
  password: string,
): Promise<MailSetup> {
  const org = await call(t, 'POST', '/api/v1/organizations', {
    token: owner.accessToken,
    body: { name: `Mail ${email}` },
  });
  const orgId = org.body.id as string;
  const created = await call(t, 'POST', '/api/v1/mail/accounts', {
    token: owner.accessToken,
    headers: { 'x-organization-id': orgId },
    body: {
      email,
      password,
      imap: { host: servers.imapHost, port: servers.imapPort, security: 'none' },
      smtp: { host: servers.smtpHost, port: servers.smtpPort, security: 'none' },
    },
  });
  if (created.status !== 201) {
    throw new Error(`account not created: ${JSON.stringify(created.body)}`);
  }
  return { orgId, accountId: created.body.id as string };
}

/**
 * Deletes every mail account, so the workers of later suites do not keep connecting to this suite's servers after
 * they stop. Call in afterAll before closing the app.
 */
export async function forgetMailAccounts(t: TestApp): Promise<void> {
  await t.app.get(MikroORM).em.fork().nativeDelete(MailAccount, {});
}

/** A bare imapflow client logged in to the test Dovecot, to look at (or change) the server side directly. */
export async function serverClient(
  imap: { host: string; port: number },
  user: string,
  pass: string,
): Promise<ImapFlow> {
  const client = new ImapFlow({ host: imap.host, port: imap.port, secure: false, auth: { user, pass }, logger: false });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Waits until the account's sync state is `idle` (its first full sync done). */
export async function waitForIdle(
  t: TestApp,
  owner: TestUser,
  orgId: string,
  accountId: string,
  what = 'the first sync',
): Promise<void> {
  await eventually(
    async () => {
      const account = await call(t, 'GET', `/api/v1/mail/accounts/${accountId}`, inOrg(owner, orgId));
      return account.body.syncState === 'idle' ? true : undefined;
    },
    20_000,
    what,
  );
}
