import { MikroORM } from '@mikro-orm/postgresql';
import type { ImapFlow } from 'imapflow';
import { createHash, randomBytes } from 'node:crypto';
import { Membership, OrgRole } from 'src/modules/organizations/membership.entity';
import { io } from 'socket.io-client';
import type { RealtimeEvents } from 'src/realtime/events';
import { MailParsePool } from 'src/modules/mail/mail-parse.pool';
import { startDovecot, writeMaildirMessages, type RunningDovecot } from '../../scripts/local/dovecot';
import { startSmtpSink, type RunningSmtpSink } from '../../scripts/local/smtp-sink';
import {
  connectAccount,
  forgetMailAccounts,
  LOCAL_MAIL_SERVERS,
  rawMessage,
  serverClient,
  waitForIdle,
} from '../support/mail-fixtures';
import { call, eventually, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';

const EMAIL = 'owner@example.com';
const PASSWORD = 'imap-secret-1';

/** Loosely typed raw API bodies. */
type Json = Record<string, any>;

describe('mail sync against a real Dovecot: initial, IDLE, flags, expunge, UIDVALIDITY', () => {
  let t: TestApp;
  let imap: RunningDovecot;
  let smtp: RunningSmtpSink;
  let owner: TestUser;
  let orgId: string;
  let accountId: string;
  let server: ImapFlow;

  const get = (path: string) =>
    call(t, 'GET', path, { token: owner.accessToken, headers: { 'x-organization-id': orgId } });

  async function folderByRole(role: string): Promise<Json> {
    const folders = (await get(`/api/v1/mail/accounts/${accountId}/folders`)).body as Json[];
    return folders.find((f) => f.role === role)!;
  }

  async function allMessages(folderId: string): Promise<Json[]> {
    const items: Json[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(
        `/api/v1/mail/accounts/${accountId}/messages?folderId=${folderId}&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      items.push(...(page.body.items as Json[]));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    return items;
  }

  beforeAll(async () => {
    [imap, smtp] = await Promise.all([startDovecot(), startSmtpSink()]);
    imap.addUser(EMAIL, PASSWORD);
    const maildir = imap.maildirOf(EMAIL);
    writeMaildirMessages(
      maildir,
      'INBOX',
      Array.from({ length: 30 }, (_, i) => ({
        raw: rawMessage(i + 1, { attachment: i === 4 }),
        flags: i % 3 === 0 ? 'S' : '',
        date: new Date(Date.UTC(2024, 0, 1, 10, 0, i + 1)),
      })),
    );
    writeMaildirMessages(maildir, 'Archive', [rawMessage(101), rawMessage(102)]);
    writeMaildirMessages(maildir, 'Sent', [
      rawMessage(201, { subject: 'Re: Message number 2', inReplyTo: 'msg-2@example.com' }),
    ]);
    t = await startTestApp({ ...LOCAL_MAIL_SERVERS, MAIL_POLL_INTERVAL: '1s' });
    owner = await registerUser(t);
    ({ orgId, accountId } = await connectAccount(
      t,
      owner,
      { imapHost: imap.host, imapPort: imap.port, smtpHost: smtp.host, smtpPort: smtp.port },
      EMAIL,
      PASSWORD,
    ));
    server = await serverClient(imap, EMAIL, PASSWORD);
  });

  afterAll(async () => {
    await server?.logout().catch(() => server.close());
    if (t) {
      await forgetMailAccounts(t);
      await t.close();
    }
    await Promise.all([imap?.stop(), smtp?.stop()]);
  });

  it('syncs every folder with its role, and the Inbox exactly as the server has it', async () => {
    await waitForIdle(t, owner, orgId, accountId, 'idle');
    const folders = (await get(`/api/v1/mail/accounts/${accountId}/folders`)).body as Json[];
    expect(Object.fromEntries(folders.map((f) => [f.path, f.role]))).toMatchObject({
      INBOX: 'inbox',
      Sent: 'sent',
      Drafts: 'drafts',
      Trash: 'trash',
      Junk: 'junk',
      Archive: 'archive',
    });
    const inbox = folders.find((f) => f.role === 'inbox')!;
    expect([inbox.total, inbox.unseen]).toEqual([30, 20]);

    const messages = await allMessages(inbox.id as string);
    const lock = await server.getMailboxLock('INBOX');
    const onServer = await server.fetchAll('1:*', { uid: true, envelope: true, flags: true });
    lock.release();
    expect(messages).toHaveLength(onServer.length);
    const byUid = new Map(messages.map((m) => [m.uid as number, m]));
    for (const s of onServer) {
      const local = byUid.get(s.uid)!;
      expect(local.messageId).toBe(s.envelope!.messageId!.replace(/[<>]/g, ''));
      expect(local.subject).toBe(s.envelope!.subject);
      expect(local.seen).toBe(s.flags!.has('\\Seen'));
    }
    // Parsed on worker threads (the compiled worker script), not on the event loop.
    expect(t.app.get(MailParsePool).threadCount).toBeGreaterThan(0);
    // Newest first across pages, no duplicates.
    const dates = messages.map((m) => Date.parse(m.internalDate as string));
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
    expect(new Set(messages.map((m) => m.id as string)).size).toBe(30);

    const withAttachment = messages.find((m) => m.subject === 'Message number 5')!;
    expect(withAttachment.hasAttachments).toBe(true);
    const full = (await get(`/api/v1/mail/messages/${withAttachment.id}`)).body as Json;
    expect(full.attachments).toEqual([
      expect.objectContaining({ filename: 'notes.txt', contentType: 'text/plain', inline: false }),
    ]);
    expect(full.html).toContain('<b>5</b>');
    expect(full.html).not.toMatch(/script|onclick/);

    const unread = await get(`/api/v1/mail/accounts/${accountId}/messages?folderId=${inbox.id}&unread=true&limit=200`);
    expect(unread.body.items).toHaveLength(20);
    const fromSeven = await get(`/api/v1/mail/accounts/${accountId}/messages?folderId=${inbox.id}&from=sender7@`);
    expect(fromSeven.body.items.map((m: Json) => m.subject as string)).toEqual(['Message number 7']);
    const bad = await get(`/api/v1/mail/accounts/${accountId}/messages?folderId=${inbox.id}&cursor=%%%`);
    expect(bad.status).toBe(400);

    // Full-text search, ranked; threads across folders.
    const phrase = await get(`/api/v1/mail/search?q=${encodeURIComponent('"number 7"')}`);
    expect(phrase.body.items.map((m: Json) => m.subject as string)).toEqual(['Message number 7']);
    const word = await get(`/api/v1/mail/search?q=walruses&limit=100`);
    expect(word.body.items.length).toBe(29 + 2 + 1); // every plain message: Inbox (one is HTML), Archive, Sent
    const byDate = await get(`/api/v1/mail/search?q=walruses&sort=date&limit=5&offset=1`);
    const newest = byDate.body.items.map((m: Json) => Date.parse(m.internalDate as string));
    expect(newest).toHaveLength(5);
    expect([...newest].sort((a, b) => b - a)).toEqual(newest);
    const badSort = await get(`/api/v1/mail/search?q=walruses&sort=best`);
    expect(badSort.status).toBe(400);
    expect(JSON.stringify(badSort.body)).toContain('sort');
    const bySender = await get(`/api/v1/mail/search?q=${encodeURIComponent('sender12@example.com')}`);
    expect(bySender.body.items[0].subject).toBe('Message number 12');
    const second = messages.find((m) => m.subject === 'Message number 2')!;
    const thread = await get(`/api/v1/mail/messages/${second.id}/thread`);
    expect(thread.body.map((m: Json) => m.subject as string)).toEqual(['Message number 2', 'Re: Message number 2']);

    // Another member of the same organization reads none of it.
    const colleague = await registerUser(t);
    const em = t.app.get(MikroORM).em.fork();
    em.create(Membership, { organization: orgId, user: colleague.id, role: OrgRole.Admin });
    await em.flush();
    const asColleague = { token: colleague.accessToken, headers: { 'x-organization-id': orgId } };
    expect((await call(t, 'GET', `/api/v1/mail/messages/${second.id}`, asColleague)).status).toBe(404);
    expect((await call(t, 'GET', `/api/v1/mail/messages/${second.id}/thread`, asColleague)).status).toBe(404);
    expect((await call(t, 'GET', `/api/v1/mail/accounts/${accountId}/folders`, asColleague)).status).toBe(404);
    expect((await call(t, 'GET', '/api/v1/mail/search?q=walruses', asColleague)).body.items).toEqual([]);
  });

  it('picks up a new message through IDLE within seconds, then flag changes and expunges made on the server', async () => {
    const inbox = await folderByRole('inbox');
    const socket = io(`${t.baseUrl}/notifications`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: owner.accessToken },
    });
    const pushed: RealtimeEvents['mail.received'][] = [];
    const updates: RealtimeEvents['mail.updated'][] = [];
    const deletions: RealtimeEvents['mail.deleted'][] = [];
    socket.on('mail.received', (payload: RealtimeEvents['mail.received']) => pushed.push(payload));
    socket.on('mail.updated', (payload: RealtimeEvents['mail.updated']) => updates.push(payload));
    socket.on('mail.deleted', (payload: RealtimeEvents['mail.deleted']) => deletions.push(payload));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const started = Date.now();
    await server.append('INBOX', rawMessage(500, { subject: 'Pushed by IDLE' }), [], new Date());
    const arrived = await eventually(
      async () => {
        const page = await get(`/api/v1/mail/accounts/${accountId}/messages?folderId=${inbox.id}&limit=1`);
        return page.body.items[0]?.subject === 'Pushed by IDLE' ? (page.body.items[0] as Json) : undefined;
      },
      10_000,
      'the appended message',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    const event = await eventually(() => pushed.find((p) => p.id === arrived.id), 5_000, 'the mail.received event');
    expect(event).toMatchObject({ accountId, folderId: inbox.id, subject: 'Pushed by IDLE' });

    const lock = await server.getMailboxLock('INBOX');
    try {
      await server.messageFlagsAdd(String(arrived.uid), ['\\Flagged', '\\Seen'], { uid: true });
      await server.messageDelete('1', { uid: true });
    } finally {
      lock.release();
    }
    await eventually(
      async () => {
        const flagged = await get(`/api/v1/mail/messages/${arrived.id}`);
        return flagged.body.flagged === true && flagged.body.seen === true ? true : undefined;
      },
      10_000,
      'the flag change',
    );
    await eventually(
      async () => {
        const folder = await folderByRole('inbox');
        return folder.total === 30 ? true : undefined;
      },
      10_000,
      'the expunge',
    );
    await eventually(
      () => (updates.some((u) => u.ids.includes(arrived.id as string)) ? true : undefined),
      5_000,
      'mail.updated',
    );
    await eventually(() => (deletions.some((d) => d.folderId === inbox.id) ? true : undefined), 5_000, 'mail.deleted');
    socket.disconnect();
    const uids = (await allMessages(inbox.id as string)).map((m) => m.uid as number);
    expect(uids).not.toContain(1);
    expect(uids).toContain(arrived.uid);
  });

  it('resyncs a folder whose UIDVALIDITY changed', async () => {
    const before = await folderByRole('archive');
    expect(before.total).toBe(2);
    // Renaming a folder away and creating one of the same name gives that name a new UIDVALIDITY.
    await server.mailboxRename('Archive', 'Archive-old');
    await server.mailboxCreate('Archive');
    await server.append('Archive', rawMessage(900, { subject: 'After the reset' }), ['\\Seen']);
    const archive = await eventually(
      async () => {
        const folders = (await get(`/api/v1/mail/accounts/${accountId}/folders`)).body as Json[];
        const a = folders.find((f) => f.path === 'Archive');
        const old = folders.find((f) => f.path === 'Archive-old');
        return a?.total === 1 && old?.total === 2 ? a : undefined;
      },
      15_000,
      'the resync',
    );
    const items = await allMessages(archive.id as string);
    expect(items.map((m) => m.subject as string)).toEqual(['After the reset']);
  });

  it('writes read, flag, move, delete and bulk actions to the server and reflects them locally', async () => {
    const send = (method: string, path: string, body?: unknown) =>
      call(t, method, path, { token: owner.accessToken, headers: { 'x-organization-id': orgId }, body });
    const inbox = await folderByRole('inbox');
    const trash = await folderByRole('trash');
    const archive = (await get(`/api/v1/mail/accounts/${accountId}/folders`)).body.find(
      (f: Json) => f.path === 'Archive',
    ) as Json;
    const [first, second, third] = (await allMessages(inbox.id as string)).filter((m) => !m.seen).slice(0, 3);
    const serverFlags = async (path: string, uid: number): Promise<Set<string> | undefined> => {
      const lock = await server.getMailboxLock(path);
      try {
        await server.noop(); // take in what other sessions changed (EXPUNGE from the move)
        const [message] = await server.fetchAll(String(uid), { uid: true, flags: true }, { uid: true });
        return message?.flags;
      } finally {
        lock.release();
      }
    };

    expect((await send('PATCH', `/api/v1/mail/messages/${first.id}`, { seen: true, flagged: true })).status).toBe(204);
    expect([...((await serverFlags('INBOX', first.uid as number)) ?? [])].sort()).toEqual(['\\Flagged', '\\Seen']);
    expect((await get(`/api/v1/mail/messages/${first.id}`)).body).toMatchObject({ seen: true, flagged: true });

    const bulk = await send('POST', '/api/v1/mail/messages/bulk', { ids: [second.id, third.id], action: 'read' });
    expect([bulk.status, bulk.body.affected]).toEqual([200, 2]);
    expect((await serverFlags('INBOX', third.uid as number))?.has('\\Seen')).toBe(true);

    const moved = await send('POST', `/api/v1/mail/messages/${first.id}/move`, { folderId: archive.id });
    expect(moved.status).toBe(204);
    expect(await serverFlags('INBOX', first.uid as number)).toBeUndefined();
    const afterMove = (await get(`/api/v1/mail/messages/${first.id}`)).body as Json;
    expect(afterMove.folderId).toBe(archive.id);
    expect([...((await serverFlags('Archive', afterMove.uid as number)) ?? [])]).toContain('\\Flagged');

    expect((await send('DELETE', `/api/v1/mail/messages/${first.id}`)).status).toBe(204);
    const inTrash = (await get(`/api/v1/mail/messages/${first.id}`)).body as Json;
    expect(inTrash.folderId).toBe(trash.id);
    expect((await send('DELETE', `/api/v1/mail/messages/${first.id}`)).status).toBe(204);
    expect((await get(`/api/v1/mail/messages/${first.id}`)).status).toBe(404);
    expect(await serverFlags('Trash', inTrash.uid as number)).toBeUndefined();

    const invalid = await send('POST', '/api/v1/mail/messages/bulk', { ids: ['nope'], action: 'explode' });
    expect(invalid.status).toBe(400);
    const foreign = await send('POST', '/api/v1/mail/messages/bulk', {
      ids: [second.id, '00000000-0000-4000-8000-000000000000'],
      action: 'unread',
    });
    expect([foreign.status, foreign.body.code]).toEqual([404, 'MAIL_MESSAGE_NOT_FOUND']);
    expect((await serverFlags('INBOX', second.uid as number))?.has('\\Seen')).toBe(true);
  });

  it('streams an attachment from the server byte for byte, to the mailbox owner only', async () => {
    const inbox = await folderByRole('inbox');
    // Starts like a PDF: downloads are typed from their bytes, not from what the sender declared.
    const binary = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(300_000)]);
    const raw = [
      'From: Sender <sender@example.com>',
      `To: ${EMAIL}`,
      'Subject: With a binary attachment',
      'Message-ID: <binary-1@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b2"',
      '',
      '--b2',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'See attached.',
      '--b2',
      'Content-Type: text/csv; name="small.csv"',
      'Content-Disposition: attachment; filename="small.csv"',
      '',
      'a,b',
      '1,2',
      '--b2',
      'Content-Type: application/pdf',
      'Content-Transfer-Encoding: base64',
      "Content-Disposition: attachment; filename*=UTF-8''%C3%9Cberblick%202024.pdf",
      '',
      binary.toString('base64').replace(/.{76}/g, '$&\r\n'),
      '--b2--',
      '',
    ].join('\r\n');
    await server.append('INBOX', raw, [], new Date());
    const message = await eventually(
      async () => {
        const page = await get(`/api/v1/mail/accounts/${accountId}/messages?folderId=${inbox.id}&hasAttachments=true`);
        return (page.body.items as Json[]).find((m) => m.subject === 'With a binary attachment');
      },
      10_000,
      'the message with attachments',
    );
    const full = (await get(`/api/v1/mail/messages/${message.id}`)).body as Json;
    expect(full.attachments).toEqual([
      expect.objectContaining({ index: 0, filename: 'small.csv', contentType: 'text/csv' }),
      expect.objectContaining({ index: 1, filename: 'Überblick 2024.pdf', contentType: 'application/pdf' }),
    ]);

    const res = await fetch(`${t.baseUrl}/api/v1/mail/messages/${message.id}/attachments/1`, {
      headers: { authorization: `Bearer ${owner.accessToken}`, 'x-organization-id': orgId },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="_berblick 2024.pdf"; filename*=UTF-8''%C3%9Cberblick%202024.pdf`,
    );
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(binary.length);
    expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(binary).digest('hex'));

    const csv = await fetch(`${t.baseUrl}/api/v1/mail/messages/${message.id}/attachments/0`, {
      headers: { authorization: `Bearer ${owner.accessToken}`, 'x-organization-id': orgId },
    });
    expect(await csv.text()).toBe('a,b\r\n1,2');

    const missing = await get(`/api/v1/mail/messages/${message.id}/attachments/2`);
    expect([missing.status, missing.body.code]).toEqual([404, 'MAIL_ATTACHMENT_NOT_FOUND']);
    expect((await get(`/api/v1/mail/messages/${message.id}/attachments/x`)).status).toBe(400);
    const stranger = await registerUser(t);
    const strangerOrg = await call(t, 'POST', '/api/v1/organizations', {
      token: stranger.accessToken,
      body: { name: 'Elsewhere' },
    });
    const foreign = await call(t, 'GET', `/api/v1/mail/messages/${message.id}/attachments/1`, {
      token: stranger.accessToken,
      headers: { 'x-organization-id': strangerOrg.body.id as string },
    });
    expect([foreign.status, foreign.body.code]).toEqual([404, 'MAIL_MESSAGE_NOT_FOUND']);
  });
});
