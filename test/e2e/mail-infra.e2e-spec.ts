/**
 * The servers the mail module is tested and benchmarked against: a private Dovecot (IMAP) and an SMTP sink. No app
 * here, only the infrastructure and the clients the module uses (imapflow, nodemailer).
 */
import { ImapFlow, type FetchMessageObject } from 'imapflow';
import { createTransport } from 'nodemailer';
import { startDovecot, writeMaildirMessages, type RunningDovecot } from '../../scripts/local/dovecot';
import { startSmtpSink, type RunningSmtpSink } from '../../scripts/local/smtp-sink';
import { eventually } from '../support/test-app';

const USER = 'ada@example.com';
const PASSWORD = 'imap-secret-1';

const message = (n: number): string =>
  [
    'From: Bob <bob@example.com>',
    `To: Ada <${USER}>`,
    `Subject: Seeded ${n}`,
    `Message-ID: <seeded-${n}@example.com>`,
    `Date: Mon, 0${n} Jan 2024 10:00:00 +0000`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Body of message ${n}.`,
    '',
  ].join('\n');

describe('mail infrastructure: Dovecot and the SMTP sink', () => {
  let imap: RunningDovecot;
  let smtp: RunningSmtpSink;
  const clients: ImapFlow[] = [];

  const client = (pass = PASSWORD, options: Partial<ConstructorParameters<typeof ImapFlow>[0]> = {}): ImapFlow => {
    const c = new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: false,
      auth: { user: USER, pass },
      logger: false,
      ...options,
    });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    [imap, smtp] = await Promise.all([startDovecot(), startSmtpSink({ auth: { user: 'mailer', pass: 'smtp-pw' } })]);
    imap.addUser(USER, PASSWORD);
    writeMaildirMessages(imap.maildirOf(USER), 'INBOX', [
      { raw: message(1), flags: 'S' },
      message(2),
      { raw: message(3), flags: 'FS', date: new Date('2024-01-03T10:00:05Z') },
    ]);
  });

  afterAll(async () => {
    await Promise.all(clients.filter((c) => c.usable).map((c) => c.logout().catch(() => c.close())));
    await Promise.all([imap?.stop(), smtp?.stop()]);
  });

  it('lists INBOX and the special-use folders, created and subscribed for a new user', async () => {
    const c = client();
    await c.connect();
    const folders = await c.list();
    const byPath = Object.fromEntries(folders.map((f) => [f.path, f]));
    expect(Object.keys(byPath).sort()).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    for (const name of ['Archive', 'Drafts', 'Junk', 'Sent', 'Trash']) {
      expect(byPath[name]).toMatchObject({ specialUse: `\\${name}`, subscribed: true });
    }
    expect(byPath.INBOX.specialUse).toBe('\\Inbox');
  });

  it('serves the messages written into the Maildir, in order, with their flags and dates', async () => {
    const c = client();
    await c.connect();
    expect(await c.status('INBOX', { messages: true, unseen: true, uidNext: true })).toMatchObject({
      messages: 3,
      unseen: 1,
      uidNext: 4,
    });
    const lock = await c.getMailboxLock('INBOX');
    const fetched: FetchMessageObject[] = [];
    try {
      for await (const msg of c.fetch('1:*', {
        uid: true,
        envelope: true,
        flags: true,
        internalDate: true,
        size: true,
      })) {
        fetched.push(msg);
      }
      const body = await c.fetchOne('2', { source: true });
      expect(body && body.source?.toString()).toContain('Body of message 2.');
    } finally {
      lock.release();
    }
    expect(fetched.map((m) => [m.uid, m.envelope?.subject, m.envelope?.messageId])).toEqual([
      [1, 'Seeded 1', '<seeded-1@example.com>'],
      [2, 'Seeded 2', '<seeded-2@example.com>'],
      [3, 'Seeded 3', '<seeded-3@example.com>'],
    ]);
    expect([...(fetched[0].flags ?? [])]).toContain('\\Seen');
    expect([...(fetched[1].flags ?? [])]).not.toContain('\\Seen');
    expect([...(fetched[2].flags ?? [])]).toEqual(expect.arrayContaining(['\\Seen', '\\Flagged']));
    expect(new Date(fetched[2].internalDate as Date).toISOString()).toBe('2024-01-03T10:00:05.000Z');
    // RFC822.SIZE counts CRLF line ends although the file was written with LF (the Maildir W= field).
    expect(fetched[0].size).toBe(Buffer.byteLength(message(1).replace(/\n/g, '\r\n')));
  });

  it('has CONDSTORE enabled, with a mod-sequence on the mailbox', async () => {
    const c = client();
    await c.connect();
    expect(c.capabilities.has('QRESYNC')).toBe(true);
    expect(c.enabled.has('CONDSTORE')).toBe(true);
    const mailbox = await c.mailboxOpen('INBOX');
    expect(typeof mailbox.highestModseq).toBe('bigint');
    expect(mailbox.highestModseq).toBeGreaterThan(0n);
  });

  it('pushes a new message to a client in IDLE within seconds (APPEND from another connection)', async () => {
    const watcher = client(PASSWORD, { disableAutoIdle: true });
    const writer = client();
    await Promise.all([watcher.connect(), writer.connect()]);
    const before = (await watcher.mailboxOpen('INBOX')).exists; // the mailbox object is live: keep the number
    const arrived = new Promise<{ count: number }>((resolve) => watcher.once('exists', resolve));
    const idle = watcher.idle();
    await eventually(() => (watcher.idling ? true : undefined), 5_000, 'IDLE to start');

    const started = Date.now();
    await writer.append('INBOX', 'From: carol@example.com\r\nSubject: Live\r\n\r\nNew while idling\r\n', ['\\Seen']);
    const exists = await Promise.race([
      arrived,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no EXISTS within 5 s')), 5_000)),
    ]);
    expect(exists.count).toBe(before + 1);
    expect(Date.now() - started).toBeLessThan(5_000);

    await watcher.noop(); // ends IDLE
    await idle;
  });

  it('refuses a wrong password', async () => {
    const c = client('not-the-password');
    await expect(c.connect()).rejects.toMatchObject({ authenticationFailed: true });
  });

  it('logs in a user added while the server runs', async () => {
    imap.addUser('late@example.com', 'late-pw');
    const c = client('late-pw', { auth: { user: 'late@example.com', pass: 'late-pw' } });
    await c.connect();
    expect(await c.status('INBOX', { messages: true })).toMatchObject({ messages: 0 });
  });

  it('receives mail over SMTP with the configured login and parses it', async () => {
    const transport = createTransport(smtp.url);
    try {
      await transport.sendMail({
        from: 'Switchboard <system@switchboard.test>',
        to: 'ada@example.com',
        subject: 'Sink check',
        text: 'plain part',
        html: '<p>html part</p>',
      });
    } finally {
      transport.close();
    }
    const mail = await smtp.waitFor((m) => m.parsed.subject === 'Sink check', 5_000);
    expect(mail.envelope).toEqual({ mailFrom: 'system@switchboard.test', rcptTo: ['ada@example.com'] });
    expect(mail.user).toBe('mailer');
    expect(mail.parsed.text?.trim()).toBe('plain part');
    expect(mail.parsed.html).toContain('<p>html part</p>');
    expect(mail.raw.toString()).toContain('Subject: Sink check');

    const wrong = createTransport(`smtp://mailer:wrong@127.0.0.1:${smtp.port}`);
    try {
      await expect(
        wrong.sendMail({ from: 'x@switchboard.test', to: 'ada@example.com', subject: 'nope', text: 'nope' }),
      ).rejects.toMatchObject({ responseCode: 535 });
    } finally {
      wrong.close();
    }
    expect(smtp.messages.map((m) => m.parsed.subject)).toEqual(['Sink check']);
  });
});
