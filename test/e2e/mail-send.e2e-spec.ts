import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { getQueueToken } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import type { FetchMessageObject, ImapFlow } from 'imapflow';
import { createHash, randomBytes } from 'node:crypto';
import { MailDeliveryService } from 'src/modules/mail/mail-delivery.service';
import { MailSendService } from 'src/modules/mail/mail-send.service';
import { MAIL_QUEUE } from 'src/modules/mail/mail.jobs';
import { MailSubmission, SentCopyState, SubmissionStatus } from 'src/modules/mail/mail-submission.entity';
import { Membership, OrgRole } from 'src/modules/organizations/membership.entity';
import type { RealtimeEvents } from 'src/realtime/events';
import { io } from 'socket.io-client';
import { startDovecot, writeMaildirMessages, type RunningDovecot } from '../../scripts/local/dovecot';
import { startSmtpSink, type ReceivedMail, type RunningSmtpSink } from '../../scripts/local/smtp-sink';
import {
  connectAccount,
  forgetMailAccounts,
  LOCAL_MAIL_SERVERS,
  serverClient,
  waitForIdle,
} from '../support/mail-fixtures';
import { call, eventually, inOrg, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';

const EMAIL = 'owner@example.com';
const PASSWORD = 'imap-secret-1';
const MAX_ATTACHMENT = 2_000_000;

/** Loosely typed raw API bodies. */
type Json = Record<string, any>;

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A message in the Inbox with a thread behind it, other recipients and the owner among them (to and cc). */
const ORIGINAL = [
  'From: Alice Example <alice@example.com>',
  'To: Owner <owner@example.com>, Bob <bob@example.com>',
  'Cc: carol@example.com, OWNER@example.com',
  'Subject: Quarterly plan',
  'Message-ID: <orig-1@example.com>',
  'In-Reply-To: <root@example.com>',
  'References: <root@example.com>',
  'Date: Mon, 01 Jan 2024 10:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Here is the plan.',
  '',
].join('\r\n');

describe('sending mail: SMTP with a Sent copy, replies, attachments, drafts, scheduled send, idempotency', () => {
  let t: TestApp;
  let imap: RunningDovecot;
  let smtp: RunningSmtpSink;
  let owner: TestUser;
  let orgId: string;
  let accountId: string;
  let server: ImapFlow;

  const as = () => inOrg(owner, orgId);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(t, 'POST', `/api/v1/mail/accounts/${accountId}${path}`, {
      ...as(),
      headers: { ...as().headers, ...headers },
      body,
    });
  const get = (path: string) => call(t, 'GET', `/api/v1/mail/accounts/${accountId}${path}`, as());

  /** Waits for the outbox entry to reach `status`. */
  const settled = (id: string, status = 'sent') =>
    eventually(
      async () => {
        const entry = (await get(`/outbox/${id}`)).body as Json;
        return entry.status === status ? entry : undefined;
      },
      15_000,
      `outbox ${id} ${status}`,
    );

  /** Messages in `folder` on the server whose Message-ID is `messageId`, with flags and source. */
  async function onServer(folder: string, messageId: string): Promise<FetchMessageObject[]> {
    const lock = await server.getMailboxLock(folder);
    try {
      await server.noop();
      const uids = await server.search({ header: { 'message-id': `<${messageId}>` } }, { uid: true });
      if (!uids || uids.length === 0) {
        return [];
      }
      return await server.fetchAll(
        uids.join(','),
        { uid: true, flags: true, source: true, envelope: true },
        { uid: true },
      );
    } finally {
      lock.release();
    }
  }

  const received = (subject: string): ReceivedMail[] => smtp.messages.filter((m) => m.parsed.subject === subject);

  async function upload(files: { name: string; type: string; data: Buffer }[]): Promise<{ status: number; body: any }> {
    const form = new FormData();
    for (const file of files) {
      form.append('file', new Blob([file.data], { type: file.type }), file.name);
    }
    const res = await fetch(`${t.baseUrl}/api/v1/mail/accounts/${accountId}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.accessToken}`, 'x-organization-id': orgId },
      body: form,
    });
    return { status: res.status, body: await res.json() };
  }

  beforeAll(async () => {
    [imap, smtp] = await Promise.all([
      startDovecot(),
      startSmtpSink({ auth: { user: EMAIL, pass: PASSWORD }, rejectRecipient: (a) => a.startsWith('bounce@') }),
    ]);
    imap.addUser(EMAIL, PASSWORD);
    writeMaildirMessages(imap.maildirOf(EMAIL), 'INBOX', [ORIGINAL]);
    t = await startTestApp({ ...LOCAL_MAIL_SERVERS, MAIL_ATTACHMENT_MAX_BYTES: String(MAX_ATTACHMENT) });
    owner = await registerUser(t);
    ({ orgId, accountId } = await connectAccount(
      t,
      owner,
      { imapHost: imap.host, imapPort: imap.port, smtpHost: smtp.host, smtpPort: smtp.port },
      EMAIL,
      PASSWORD,
    ));
    server = await serverClient(imap, EMAIL, PASSWORD);
    await waitForIdle(t, owner, orgId, accountId);
  });

  afterAll(async () => {
    await server?.logout().catch(() => server.close());
    if (t) {
      await forgetMailAccounts(t);
      await t.close();
    }
    await Promise.all([imap?.stop(), smtp?.stop()]);
  });

  it('sends through the account SMTP (envelope with bcc, no Bcc header) and appends the same bytes to Sent, \\Seen', async () => {
    const socket = io(`${t.baseUrl}/notifications`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: owner.accessToken },
    });
    const sentEvents: RealtimeEvents['mail.sent'][] = [];
    socket.on('mail.sent', (payload: RealtimeEvents['mail.sent']) => sentEvents.push(payload));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const res = await post('/send', {
      to: [{ name: 'Bob', address: 'bob@example.com' }],
      cc: [{ address: 'carol@example.com' }],
      bcc: [{ address: 'dave@example.com' }],
      subject: 'Hello there',
      text: 'Plain body',
      html: '<p>Hello <b>there</b></p>',
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', subject: 'Hello there', attempts: 0 });

    const mail = await smtp.waitFor((m) => m.parsed.subject === 'Hello there');
    expect(mail.user).toBe(EMAIL);
    expect(mail.envelope.mailFrom).toBe(EMAIL);
    expect([...mail.envelope.rcptTo].sort()).toEqual(['bob@example.com', 'carol@example.com', 'dave@example.com']);
    expect(mail.parsed.messageId).toBe(`<${res.body.messageId}>`);
    expect(mail.parsed.from?.value[0].address).toBe(EMAIL);
    expect(mail.parsed.text).toContain('Plain body');
    expect(mail.parsed.html).toContain('<b>there</b>');
    expect(mail.raw.toString('utf8')).not.toMatch(/^bcc:/im);

    const entry = await settled(res.body.id as string);
    expect(entry).toMatchObject({ sentCopy: 'appended', attempts: 1, error: null });
    const [copy] = await eventually(async () => {
      const found = await onServer('Sent', res.body.messageId as string);
      return found.length > 0 ? found : undefined;
    });
    expect(copy.flags?.has('\\Seen')).toBe(true);
    expect(sha256(copy.source!)).toBe(sha256(mail.raw));
    expect(received('Hello there')).toHaveLength(1);
    const event = await eventually(() => sentEvents.find((e) => e.id === res.body.id), 5_000, 'mail.sent');
    expect(event).toEqual({ accountId, id: res.body.id, messageId: res.body.messageId });
    socket.close();
  });

  it('replies with In-Reply-To, References and "Re:", to the sender; reply-all adds the others but never the owner', async () => {
    const inbox = ((await get('/folders')).body as Json[]).find((f) => f.role === 'inbox')!;
    const original = ((await get(`/messages?folderId=${inbox.id}`)).body.items as Json[]).find(
      (m) => m.messageId === 'orig-1@example.com',
    )!;
    const reply = await post('/send', { inReplyTo: original.id, mode: 'reply', text: 'reply body' });
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({
      subject: 'Re: Quarterly plan',
      inReplyTo: 'orig-1@example.com',
      references: ['root@example.com', 'orig-1@example.com'],
      referenceMode: 'reply',
    });
    const answered = await smtp.waitFor((m) => (m.parsed.text ?? '').includes('reply body'));
    expect(answered.parsed.subject).toBe('Re: Quarterly plan');
    expect(answered.parsed.inReplyTo).toBe('<orig-1@example.com>');
    expect(answered.parsed.references).toEqual(['<root@example.com>', '<orig-1@example.com>']);
    expect(answered.envelope.rcptTo).toEqual(['alice@example.com']);

    // By Message-ID this time.
    const all = await post('/send', { inReplyTo: '<orig-1@example.com>', mode: 'reply_all', text: 'reply-all body' });
    expect(all.status).toBe(202);
    const toAll = await smtp.waitFor((m) => (m.parsed.text ?? '').includes('reply-all body'));
    expect(toAll.parsed.inReplyTo).toBe('<orig-1@example.com>');
    expect(toAll.parsed.subject).toBe('Re: Quarterly plan');
    expect([...toAll.envelope.rcptTo].sort()).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.com']);
    expect(toAll.raw.toString('utf8').toLowerCase()).not.toContain('owner@example.com>,');
    expect(toAll.envelope.rcptTo.map((a) => a.toLowerCase())).not.toContain(EMAIL);

    const forward = await post('/send', {
      inReplyTo: original.id,
      mode: 'forward',
      to: [{ address: 'erin@example.com' }],
      text: 'see below',
    });
    expect(forward.status).toBe(202);
    const forwarded = await smtp.waitFor((m) => m.parsed.subject === 'Fwd: Quarterly plan');
    expect(forwarded.envelope.rcptTo).toEqual(['erin@example.com']);
    expect(forwarded.parsed.references).toEqual(['<root@example.com>', '<orig-1@example.com>']);
    const attached = forwarded.parsed.attachments.find((a) => a.contentType === 'message/rfc822')!;
    expect(attached.content.toString('utf8')).toContain('Here is the plan.');
  });

  it('sends an uploaded attachment byte for byte; refuses a file over the limit with 413 naming the field', async () => {
    const data = randomBytes(1_500_000);
    const up = await upload([{ name: 'report.bin', type: 'application/octet-stream', data }]);
    expect(up.status).toBe(201);
    expect(up.body).toEqual([
      expect.objectContaining({ filename: 'report.bin', size: data.length, sha256: sha256(data) }),
    ]);
    const res = await post('/send', {
      to: [{ address: 'bob@example.com' }],
      subject: 'With attachment',
      text: 'see attached',
      attachments: [{ uploadId: up.body[0].id, filename: 'q3-report.bin' }],
    });
    expect(res.status).toBe(202);
    const mail = await smtp.waitFor((m) => m.parsed.subject === 'With attachment');
    expect(mail.parsed.attachments).toHaveLength(1);
    expect(mail.parsed.attachments[0].filename).toBe('q3-report.bin');
    expect(sha256(mail.parsed.attachments[0].content)).toBe(sha256(data));

    const big = await upload([
      { name: 'big.bin', type: 'application/octet-stream', data: randomBytes(MAX_ATTACHMENT + 1) },
    ]);
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ code: 'MAIL_ATTACHMENT_TOO_LARGE', details: { field: 'file' } });
    const notMultipart = await post('/uploads', { file: 'x' });
    expect([notMultipart.status, notMultipart.body.details?.field]).toEqual([400, 'file']);
    // A truncated multipart body, and one whose Content-Type has no boundary: 400, never a 500
    // (the other upload routes: test/e2e/hostile-input.e2e-spec.ts).
    const truncated =
      '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello';
    for (const contentType of ['multipart/form-data; boundary=XyZ', 'multipart/form-data']) {
      const res = await fetch(`${t.baseUrl}/api/v1/mail/accounts/${accountId}/uploads`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${owner.accessToken}`,
          'x-organization-id': orgId,
          'content-type': contentType,
        },
        body: truncated,
      });
      expect([contentType, res.status, ((await res.json()) as Json).code]).toEqual([
        contentType,
        400,
        'MAIL_UPLOAD_INVALID',
      ]);
    }
    const missing = await post('/send', {
      to: [{ address: 'bob@example.com' }],
      attachments: [{ uploadId: '00000000-0000-4000-8000-000000000000' }],
    });
    expect([missing.status, missing.body.code, missing.body.details?.field]).toEqual([
      404,
      'MAIL_UPLOAD_NOT_FOUND',
      'attachments.0.uploadId',
    ]);
  });

  it('saves drafts to Drafts with \\Draft, replaces and deletes them there, and sends one (then gone from Drafts)', async () => {
    const created = await post('/drafts', { to: [{ address: 'bob@example.com' }], subject: 'Draft v1', text: 'first' });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('draft');
    const messageId = created.body.messageId as string;
    const [v1] = await onServer('Drafts', messageId);
    expect(v1.flags?.has('\\Draft')).toBe(true);
    expect(v1.envelope?.subject).toBe('Draft v1');

    const updated = await call(t, 'PUT', `/api/v1/mail/accounts/${accountId}/drafts/${created.body.id}`, {
      ...as(),
      body: { to: [{ address: 'bob@example.com' }], subject: 'Draft v2', text: 'second' },
    });
    expect(updated.status).toBe(200);
    const versions = await onServer('Drafts', messageId);
    expect(versions.map((m) => m.envelope?.subject)).toEqual(['Draft v2']);
    expect(versions[0].flags?.has('\\Draft')).toBe(true);
    expect(versions[0].uid).not.toBe(v1.uid);

    const sent = await post(`/drafts/${created.body.id}/send`, {});
    expect([sent.status, sent.body.status]).toEqual([202, 'queued']);
    const again = await post(`/drafts/${created.body.id}/send`, {});
    expect([again.status, again.body.id]).toEqual([200, created.body.id]);
    const mail = await smtp.waitFor((m) => m.parsed.subject === 'Draft v2');
    expect(mail.parsed.text).toContain('second');
    await settled(created.body.id as string);
    expect(await onServer('Drafts', messageId)).toEqual([]);
    expect(await onServer('Sent', messageId)).toHaveLength(1);
    await sleep(500);
    expect(received('Draft v2')).toHaveLength(1);

    const doomed = await post('/drafts', { subject: 'Never sent', text: 'bye' });
    expect(await onServer('Drafts', doomed.body.messageId as string)).toHaveLength(1);
    const removed = await call(t, 'DELETE', `/api/v1/mail/accounts/${accountId}/drafts/${doomed.body.id}`, as());
    expect(removed.status).toBe(204);
    expect(await onServer('Drafts', doomed.body.messageId as string)).toEqual([]);
    expect((await get(`/outbox/${doomed.body.id}`)).status).toBe(404);
    const noRecipient = await post('/drafts', { subject: 'Nobody', text: '' });
    const refused = await post(`/drafts/${noRecipient.body.id}/send`, {});
    expect([refused.status, refused.body.code]).toEqual([400, 'MAIL_NO_RECIPIENTS']);
  });

  it('sends a scheduled message after its time and not before; a cancelled one never', async () => {
    const sendAt = new Date(Date.now() + 2_000);
    const scheduled = await post('/send', {
      to: [{ address: 'bob@example.com' }],
      subject: 'Scheduled',
      text: 'later',
      sendAt: sendAt.toISOString(),
    });
    expect(scheduled.status).toBe(202);
    expect(scheduled.body).toMatchObject({ status: 'scheduled', sendAt: sendAt.toISOString() });
    const cancelled = await post('/send', {
      to: [{ address: 'bob@example.com' }],
      subject: 'Cancelled',
      text: 'never',
      sendAt: new Date(Date.now() + 2_000).toISOString(),
    });
    const cancel = await call(t, 'DELETE', `/api/v1/mail/accounts/${accountId}/outbox/${cancelled.body.id}`, as());
    expect([cancel.status, cancel.body.status]).toEqual([200, 'cancelled']);

    await sleep(1_000);
    expect(received('Scheduled')).toHaveLength(0);
    const mail = await smtp.waitFor((m) => m.parsed.subject === 'Scheduled', 10_000);
    const arrivedAt = Date.now();
    expect(arrivedAt).toBeGreaterThanOrEqual(sendAt.getTime());
    expect(mail.envelope.rcptTo).toEqual(['bob@example.com']);
    const entry = await settled(scheduled.body.id as string);
    expect(Date.parse(entry.sentAt as string)).toBeGreaterThanOrEqual(sendAt.getTime());

    await sleep(1_500);
    expect(received('Cancelled')).toHaveLength(0);
    expect((await get(`/outbox/${cancelled.body.id}`)).body.status).toBe('cancelled');
    const twice = await call(t, 'DELETE', `/api/v1/mail/accounts/${accountId}/outbox/${cancelled.body.id}`, as());
    expect([twice.status, twice.body.code]).toEqual([409, 'MAIL_SUBMISSION_NOT_CANCELLABLE']);
    const tooLate = await call(t, 'DELETE', `/api/v1/mail/accounts/${accountId}/outbox/${scheduled.body.id}`, as());
    expect([tooLate.status, tooLate.body.code]).toEqual([409, 'MAIL_SUBMISSION_NOT_CANCELLABLE']);
  });

  it('sends once for a repeated Idempotency-Key; the same key with another body is refused', async () => {
    const body = { to: [{ address: 'bob@example.com' }], subject: 'Exactly once', text: 'once' };
    const first = await post('/send', body, { 'idempotency-key': 'order-42' });
    // The same body, keys in another order.
    const second = await post(
      '/send',
      { text: 'once', subject: 'Exactly once', to: [{ address: 'bob@example.com' }] },
      {
        'idempotency-key': 'order-42',
      },
    );
    expect(first.status).toBe(202);
    expect([second.status, second.body.id]).toEqual([200, first.body.id]);
    await smtp.waitFor((m) => m.parsed.subject === 'Exactly once');
    await settled(first.body.id as string);
    const third = await post('/send', body, { 'idempotency-key': 'order-42' });
    expect([third.status, third.body.id, third.body.status]).toEqual([200, first.body.id, 'sent']);
    await sleep(1_000);
    expect(received('Exactly once')).toHaveLength(1);

    // A worker that died after SMTP accepted the message and during its APPEND: the retry sends nothing again and
    // finds the copy already in Sent instead of appending a second one.
    const orm = t.app.get(MikroORM);
    await orm.em
      .fork()
      .nativeUpdate(
        MailSubmission,
        { id: first.body.id as string },
        { status: SubmissionStatus.Sending, sentCopy: SentCopyState.Appending },
      );
    const retry = { attemptsMade: 1, opts: { attempts: 5 } } as Job;
    await RequestContext.create(orm.em, () => t.app.get(MailDeliveryService).deliver(first.body.id as string, retry));
    expect((await get(`/outbox/${first.body.id}`)).body).toMatchObject({ status: 'sent', sentCopy: 'appended' });
    await sleep(500);
    expect(received('Exactly once')).toHaveLength(1);
    expect(await onServer('Sent', first.body.messageId as string)).toHaveLength(1);

    const changed = await post('/send', { ...body, text: 'twice?' }, { 'idempotency-key': 'order-42' });
    expect([changed.status, changed.body.code]).toEqual([422, 'MAIL_IDEMPOTENCY_KEY_REUSED']);
  });

  it('fails for good, without retrying or a Sent copy, when the server refuses; a partly refused send goes out', async () => {
    const socket = io(`${t.baseUrl}/notifications`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: owner.accessToken },
    });
    const failures: RealtimeEvents['mail.send_failed'][] = [];
    socket.on('mail.send_failed', (payload: RealtimeEvents['mail.send_failed']) => failures.push(payload));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const refused = await post('/send', { to: [{ address: 'bounce@example.com' }], subject: 'Refused', text: 'x' });
    const entry = await settled(refused.body.id as string, 'failed');
    expect(entry).toMatchObject({ attempts: 1, sentCopy: null, sentAt: null });
    expect(entry.error).toMatch(/rejected/i);
    const event = await eventually(() => failures.find((f) => f.id === refused.body.id), 5_000, 'mail.send_failed');
    expect(event.accountId).toBe(accountId);
    expect(await onServer('Sent', refused.body.messageId as string)).toEqual([]);
    socket.close();

    const partly = await post('/send', {
      to: [{ address: 'bob@example.com' }, { address: 'bounce@example.com' }],
      subject: 'Partly refused',
      text: 'y',
    });
    const mail = await smtp.waitFor((m) => m.parsed.subject === 'Partly refused');
    expect(mail.envelope.rcptTo).toEqual(['bob@example.com']);
    const sent = await settled(partly.body.id as string);
    expect(sent.error).toBe('Refused recipients: bounce@example.com');
  });

  it('queues again, through the outbox sweep, a submission whose job was lost', async () => {
    const res = await post('/send', {
      to: [{ address: 'bob@example.com' }],
      subject: 'Lost job',
      text: 'swept',
      sendAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    const queue = t.app.get<Queue>(getQueueToken(MAIL_QUEUE));
    expect(await queue.remove(`mail-send-${res.body.id}`)).toBe(1);
    const orm = t.app.get(MikroORM);
    await orm.em
      .fork()
      .nativeUpdate(MailSubmission, { id: res.body.id as string }, { sendAt: new Date(Date.now() - 5 * 60_000) });
    const requeued = await RequestContext.create(orm.em, () => t.app.get(MailSendService).requeueStale());
    expect(requeued).toBe(1);
    await smtp.waitFor((m) => m.parsed.subject === 'Lost job');
    await settled(res.body.id as string);
  });

  it('lists the outbox newest first with a cursor', async () => {
    const items: Json[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`/outbox?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      items.push(...(page.body.items as Json[]));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(new Set(items.map((i) => i.id as string)).size).toBe(items.length);
    expect(items.length).toBeGreaterThanOrEqual(10);
    const dates = items.map((i) => Date.parse(i.createdAt as string));
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
    const cancelledOnly = await get('/outbox?status=cancelled');
    expect((cancelledOnly.body.items as Json[]).map((i) => i.subject as string)).toEqual(['Cancelled']);
  });

  it('answers 404 to anyone but the owner, and 400 naming the field to bad input', async () => {
    const stranger = await registerUser(t);
    const org = await call(t, 'POST', '/api/v1/organizations', {
      token: stranger.accessToken,
      body: { name: 'Other' },
    });
    const send = await call(t, 'POST', `/api/v1/mail/accounts/${accountId}/send`, {
      ...inOrg(stranger, org.body.id as string),
      body: { to: [{ address: 'bob@example.com' }], subject: 'Not yours' },
    });
    expect([send.status, send.body.code]).toEqual([404, 'MAIL_ACCOUNT_NOT_FOUND']);
    expect(
      (await call(t, 'GET', `/api/v1/mail/accounts/${accountId}/outbox`, inOrg(stranger, org.body.id as string)))
        .status,
    ).toBe(404);
    // A colleague in the same organization does not get the owner's mailbox either.
    const colleague = await registerUser(t);
    const em = t.app.get(MikroORM).em.fork();
    em.create(Membership, { organization: orgId, user: colleague.id, role: OrgRole.Admin });
    await em.flush();
    const asColleague = await call(t, 'POST', `/api/v1/mail/accounts/${accountId}/send`, {
      ...inOrg(colleague, orgId),
      body: { to: [{ address: 'bob@example.com' }], subject: 'Not yours' },
    });
    expect(asColleague.status).toBe(404);

    const fieldOf = (res: { body: any }): string[] =>
      Array.isArray(res.body.details)
        ? (res.body.details as Json[]).map((d) => d.field as string)
        : [res.body.details?.field as string];
    const cases: [unknown, number, string][] = [
      [{ to: [{ address: 'not-an-email' }] }, 400, 'to.0.address'],
      [{ to: [{ address: 'bob@example.com' }], sendAt: 'tomorrow' }, 400, 'sendAt'],
      [{ to: [{ address: 'bob@example.com' }], mode: 'bogus', inReplyTo: 'x@y' }, 400, 'mode'],
      [{ to: [{ address: 'bob@example.com' }], surprise: true }, 400, 'surprise'],
      [{ to: 'bob@example.com' }, 400, 'to'],
      [{ subject: 'nobody' }, 400, 'to'],
      [{ to: [{ address: 'bob@example.com' }], sendAt: '2099-01-01T00:00:00Z' }, 400, 'sendAt'],
      [{ inReplyTo: 'nope@example.com', to: [{ address: 'bob@example.com' }] }, 404, 'inReplyTo'],
    ];
    for (const [body, status, field] of cases) {
      const res = await post('/send', body);
      expect([JSON.stringify(body), res.status, fieldOf(res)]).toEqual([
        JSON.stringify(body),
        status,
        expect.arrayContaining([field]),
      ]);
    }
    const badKey = await post('/send', { to: [{ address: 'bob@example.com' }] }, { 'idempotency-key': 'has space' });
    expect([badKey.status, fieldOf(badKey)]).toEqual([400, ['Idempotency-Key']]);
    expect(received('nobody')).toHaveLength(0);
  });
});
