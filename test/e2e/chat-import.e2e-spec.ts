import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import type { INestApplicationContext } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { Socket } from 'socket.io-client';
import { createWorkerContext } from 'src/bootstrap';
import { validateEnv } from 'src/config/env.schema';
import { ChatImportProcessor } from 'src/modules/chat/import/chat-import.processor';
import { Membership, OrgRole } from 'src/modules/organizations/membership.entity';
import { User } from 'src/modules/users/user.entity';
import type { RealtimeEventName, RealtimeEvents } from 'src/realtime/events';
import { connectSocket } from '../support/chat-fixtures';
import { call, eventually, inOrg, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';
import { BIG_EXPORT_AUTHORS, bigWhatsAppExport } from '../support/whatsapp-export';

type Json = Record<string, any>;

const FIXTURES = join(__dirname, '../fixtures/chat-imports');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
/** Small enough that the fixtures below it are validated in the request, the generated exports by the job. */
const SYNC_BYTES = 4096;
const MAX_BYTES = 2 * 1024 * 1024;

describe('chat import and export: WhatsApp / Telegram exports into read-only conversations, streamed exports', () => {
  const storage = mkdtempSync(join(tmpdir(), 'switchboard-chat-import-'));
  const settings = {
    STORAGE_DIR: storage,
    CHAT_IMPORT_SYNC_VALIDATE_BYTES: String(SYNC_BYTES),
    CHAT_IMPORT_MAX_BYTES: String(MAX_BYTES),
  };
  let a: TestApp;
  let b: TestApp;
  let worker: INestApplicationContext;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // Two API nodes that never run jobs and a separate worker, sharing only PostgreSQL, Redis and STORAGE_DIR.
    [a, b] = await Promise.all([
      startTestApp({ ...settings, APP_ROLE: 'api' }),
      startTestApp({ ...settings, APP_ROLE: 'api' }),
    ]);
    worker = await createWorkerContext(
      validateEnv({ LOG_LEVEL: 'silent', ...process.env, ...settings, APP_ROLE: 'worker' }),
    );
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) {
      socket.disconnect();
    }
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), worker?.close()]);
  });

  const em = () => a.app.get(MikroORM).em.fork();

  /** An organization owned by a fresh user, with `members` more users (display names given) as members. */
  async function team(...displayNames: string[]): Promise<{ orgId: string; owner: TestUser; members: TestUser[] }> {
    const owner = await registerUser(a);
    const org = await call(a, 'POST', '/api/v1/organizations', {
      token: owner.accessToken,
      body: { name: `Import ${Date.now()}` },
    });
    const orgId = org.body.id as string;
    const members: TestUser[] = [];
    const fork = em();
    for (const displayName of displayNames) {
      const user = await registerUser(a);
      members.push(user);
      fork.create(Membership, { organization: orgId, user: user.id, role: OrgRole.Member });
      await fork.nativeUpdate(User, { id: user.id }, { displayName });
    }
    await fork.flush();
    return { orgId, owner, members };
  }

  async function upload(
    t: TestApp,
    token: string,
    orgId: string,
    file: { name: string; content: Buffer | string } | null,
    fields: Record<string, string>,
  ): Promise<{ status: number; body: Json }> {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) {
      form.append(key, value);
    }
    if (file) {
      form.append('file', new Blob([file.content]), file.name);
    }
    const res = await fetch(`${t.baseUrl}/api/v1/chat/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'x-organization-id': orgId },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  async function finished(user: TestUser | { accessToken: string }, orgId: string, id: string): Promise<Json> {
    return eventually(
      async () => {
        const res = await call(b, 'GET', `/api/v1/chat/imports/${id}`, {
          token: user.accessToken,
          headers: { 'x-organization-id': orgId },
        });
        expect(res.status).toBe(200);
        return ['completed', 'failed'].includes(res.body.status as string) ? (res.body as Json) : undefined;
      },
      60_000,
      `import ${id} to finish`,
    );
  }

  /** Uploads and waits until the import completed; returns the import. */
  async function imported(user: TestUser, orgId: string, name: string, content: Buffer | string, fields: Json) {
    const res = await upload(a, user.accessToken, orgId, { name, content }, fields);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', conversationId: null, error: null });
    const done = await finished(user, orgId, res.body.id as string);
    expect(done).toMatchObject({ status: 'completed', error: null });
    return done;
  }

  /** Every message of a conversation through the API, oldest first. */
  async function messages(user: TestUser, orgId: string, conversationId: string): Promise<Json[]> {
    const all: Json[] = [];
    let before: string | null = null;
    for (;;) {
      const query: string = before ? `&before=${before}` : '';
      const res = await call(a, 'GET', `/api/v1/chat/conversations/${conversationId}/messages?limit=100${query}`, {
        ...inOrg(user, orgId),
      });
      expect(res.status).toBe(200);
      all.push(...(res.body.items as Json[]));
      if (!res.body.hasMore) {
        return all.reverse();
      }
      before = res.body.nextCursor as string;
    }
  }

  const countMessages = async (conversationId: string): Promise<number> => {
    const [{ count }] = await em()
      .getConnection()
      .execute<{ count: number }[]>('select count(*)::int as count from chat_messages where conversation_id = ?', [
        conversationId,
      ]);
    return Number(count);
  };

  const authorsOf = (items: Json[]) => [
    ...new Set(items.filter((m) => m.authorName !== null).map((m) => m.authorName as string)),
  ];
  const kindsOf = (items: Json[]) =>
    items.reduce<Record<string, number>>((acc, m) => ({ ...acc, [m.kind]: (acc[m.kind] ?? 0) + 1 }), {});

  async function notifications(user: TestUser): Promise<Socket> {
    const socket = await connectSocket(b, user, '/notifications');
    sockets.push(socket);
    return socket;
  }

  function record<E extends RealtimeEventName>(socket: Socket, event: E): RealtimeEvents[E][] {
    const seen: RealtimeEvents[E][] = [];
    const name: string = event;
    socket.on(name, (payload: RealtimeEvents[E]) => seen.push(payload));
    return seen;
  }

  it('imports WhatsApp exports (Android en-US / en-GB / de / es, iOS) with exact counts, authors and kinds', async () => {
    const { orgId, owner } = await team();
    const cases: [string, number, string[], Json][] = [
      [
        'whatsapp-android-en-us.txt',
        13,
        ['Maria García', 'Tom', '+1 (555) 010-4477'],
        { text: 5, system: 5, media: 2, deleted: 1 },
      ],
      ['whatsapp-android-en-gb.txt', 7, ['Oliver', 'Chloé'], { text: 5, system: 1, media: 1 }],
      ['whatsapp-android-de-de.txt', 6, ['Jürgen Weiß', 'Özlem'], { text: 2, system: 1, media: 2, deleted: 1 }],
      ['whatsapp-android-es.txt', 5, ['Lucía Núñez', 'Andrés'], { text: 2, system: 1, media: 1, deleted: 1 }],
      ['whatsapp-ios-en-gb.txt', 10, ['Aiko 山田', 'Sam'], { text: 2, system: 4, media: 3, deleted: 1 }],
    ];
    for (const [name, count, authors, kinds] of cases) {
      const done = await imported(owner, orgId, name, fixture(name), { platform: 'whatsapp' });
      expect(done.progress).toEqual({ processed: count, total: count });
      const items = await messages(owner, orgId, done.conversationId as string);
      expect([name, items.length]).toEqual([name, count]);
      expect(authorsOf(items)).toEqual(authors);
      expect(kindsOf(items)).toEqual(kinds);
      expect(items.every((m) => m.authorId === null)).toBe(true);
    }

    const [first] = (await call(a, 'GET', '/api/v1/chat/imports', inOrg(owner, orgId))).body.items as Json[];
    const conversation = await call(
      a,
      'GET',
      `/api/v1/chat/conversations/${first.conversationId}`,
      inOrg(owner, orgId),
    );
    expect(conversation.body).toMatchObject({ type: 'imported', myRole: 'admin', title: 'Book Club 📚' });
    const list = await call(a, 'GET', '/api/v1/chat/conversations?limit=10', inOrg(owner, orgId));
    expect((list.body.items as Json[]).map((c) => c.unreadCount as number)).toEqual([0, 0, 0, 0, 0]);
  });

  it('keeps the order, times, multi-line text, media placeholders and the group subject of an export', async () => {
    const { orgId, owner } = await team();
    const done = await imported(owner, orgId, 'chat.txt', fixture('whatsapp-android-en-us.txt'), {
      platform: 'whatsapp',
      timeZone: 'America/New_York',
    });
    const conversation = await call(a, 'GET', `/api/v1/chat/conversations/${done.conversationId}`, inOrg(owner, orgId));
    expect(conversation.body.title).toBe('Trip: Feb 12–18');
    const items = await messages(owner, orgId, done.conversationId as string);
    expect(items[4]).toMatchObject({
      authorName: 'Tom',
      kind: 'text',
      body: 'Great idea\nCan we go in February?\nI have the week of the 12th off.',
      createdAt: '2023-12-24T23:07:00.000Z',
    });
    expect(items[9]).toMatchObject({
      kind: 'media',
      body: 'The cabin!',
      media: { filename: 'IMG-20231225-WA0003.jpg' },
    });
    expect(items[8]).toMatchObject({ kind: 'deleted', deleted: true, body: '' });
    expect(items[0]).toMatchObject({ kind: 'system', authorName: null, authorId: null });
  });

  it('imports a Telegram result.json (single chat, and one chat of an "all chats" export)', async () => {
    const { orgId, owner } = await team();
    const single = await imported(owner, orgId, 'result.json', fixture('telegram-single-chat.json'), {
      platform: 'telegram',
    });
    const items = await messages(owner, orgId, single.conversationId as string);
    expect(items).toHaveLength(13);
    expect(kindsOf(items)).toEqual({ text: 5, system: 4, media: 4 });
    expect(authorsOf(items)).toEqual(['Lena Schmidt', 'Марко Петров', 'Yuki Tanaka', 'Deleted Account']);
    const conversation = await call(
      a,
      'GET',
      `/api/v1/chat/conversations/${single.conversationId}`,
      inOrg(owner, orgId),
    );
    expect(conversation.body.title).toBe('Berlin Flat 🏠');

    const all = fixture('telegram-all-chats.json');
    const ambiguous = await upload(
      a,
      owner.accessToken,
      orgId,
      { name: 'result.json', content: all },
      { platform: 'telegram' },
    );
    expect([ambiguous.status, ambiguous.body.code, ambiguous.body.details.field]).toEqual([
      400,
      'CHAT_IMPORT_INVALID_OPTION',
      'chat',
    ]);
    const climbing = await imported(owner, orgId, 'result.json', all, {
      platform: 'telegram',
      chat: 'Climbing Crew 🧗',
    });
    expect(climbing.progress).toEqual({ processed: 3, total: 3 });
    const unknown = await upload(
      a,
      owner.accessToken,
      orgId,
      { name: 'r.json', content: all },
      {
        platform: 'telegram',
        chat: 'Nobody',
      },
    );
    expect([unknown.status, unknown.body.code, unknown.body.details.field]).toEqual([
      400,
      'CHAT_IMPORT_CHAT_NOT_FOUND',
      'chat',
    ]);
  });

  it('maps authors to members by display name (any case); finds imported messages by search; refuses writes', async () => {
    const { orgId, owner, members } = await team('maria garcía');
    const [maria] = members;
    const done = await imported(owner, orgId, 'trip.txt', fixture('whatsapp-android-en-us.txt'), {
      platform: 'whatsapp',
      title: 'Ski trip',
    });
    const conversationId = done.conversationId as string;
    const items = await messages(owner, orgId, conversationId);
    const byMaria = items.filter((m) => m.authorName === 'Maria García');
    expect(byMaria.length).toBe(3);
    expect(byMaria.every((m) => m.authorId === maria.id)).toBe(true);
    expect(items.filter((m) => m.authorName === 'Tom').every((m) => m.authorId === null)).toBe(true);
    const conversation = await call(a, 'GET', `/api/v1/chat/conversations/${conversationId}`, inOrg(owner, orgId));
    expect(conversation.body).toMatchObject({ title: 'Ski trip', type: 'imported' });
    expect((conversation.body.members as Json[]).map((m) => [m.userId as string, m.role as string])).toEqual([
      [owner.id, 'admin'],
    ]);

    const search = await call(a, 'GET', '/api/v1/chat/search?q=cabin', inOrg(owner, orgId));
    expect((search.body.items as Json[]).map((m) => [m.conversationId as string, m.body as string])).toEqual([
      [conversationId, 'The cabin!'],
    ]);
    // The mapped member is not a member of the importer's conversation: nothing of it for them.
    const theirs = await call(a, 'GET', '/api/v1/chat/search?q=cabin', inOrg(maria, orgId));
    expect(theirs.body.items).toEqual([]);

    const send = await call(a, 'POST', `/api/v1/chat/conversations/${conversationId}/messages`, {
      ...inOrg(owner, orgId),
      body: { body: 'late reply' },
    });
    expect([send.status, send.body.code]).toEqual([409, 'CHAT_CONVERSATION_READ_ONLY']);
    const own = items.find((m) => m.kind === 'text')!;
    const edit = await call(a, 'PATCH', `/api/v1/chat/conversations/${conversationId}/messages/${own.id}`, {
      ...inOrg(owner, orgId),
      body: { body: 'changed' },
    });
    expect([edit.status, edit.body.code]).toEqual([409, 'CHAT_CONVERSATION_READ_ONLY']);
    const remove = await call(
      a,
      'DELETE',
      `/api/v1/chat/conversations/${conversationId}/messages/${own.id}`,
      inOrg(owner, orgId),
    );
    expect([remove.status, remove.body.code]).toEqual([409, 'CHAT_CONVERSATION_READ_ONLY']);
    const rename = await call(a, 'PATCH', `/api/v1/chat/conversations/${conversationId}`, {
      ...inOrg(owner, orgId),
      body: { title: 'Renamed' },
    });
    expect([rename.status, rename.body.code]).toEqual([409, 'CHAT_NOT_GROUP']);
    const create = await call(a, 'POST', '/api/v1/chat/conversations', {
      ...inOrg(owner, orgId),
      body: { type: 'imported', title: 'Fake', memberIds: [maria.id] },
    });
    expect([create.status, create.body.details[0].field]).toEqual([400, 'type']);
    expect(await countMessages(conversationId)).toBe(13);

    // Its only member leaving deletes it, messages included.
    const leave = await call(a, 'POST', `/api/v1/chat/conversations/${conversationId}/leave`, inOrg(owner, orgId));
    expect(leave.status).toBe(204);
    expect((await call(a, 'GET', `/api/v1/chat/conversations/${conversationId}`, inOrg(owner, orgId))).status).toBe(
      404,
    );
    expect(await countMessages(conversationId)).toBe(0);
  });

  it('imports a generated 20 000-line export completely in the worker, with progress on /notifications', async () => {
    const { orgId, owner, members } = await team('BEN');
    const socket = await notifications(owner);
    const progress = record(socket, 'chat.import.progress');
    const completed = record(socket, 'chat.import.completed');
    const content = [...bigWhatsAppExport()].join('');
    expect(content.length).toBeGreaterThan(SYNC_BYTES);

    const res = await upload(
      a,
      owner.accessToken,
      orgId,
      { name: 'WhatsApp Chat with Big.txt', content },
      {
        platform: 'whatsapp',
      },
    );
    expect(res.status).toBe(202);
    expect(res.body.progress).toEqual({ processed: 0, total: null });
    const importId = res.body.id as string;
    const done = await finished(owner, orgId, importId);
    expect(done).toMatchObject({ status: 'completed', progress: { processed: 15_000, total: 15_000 } });
    const conversationId = done.conversationId as string;
    expect(await countMessages(conversationId)).toBe(15_000);

    const event = await eventually(() => completed[0], 10_000, 'chat.import.completed');
    expect(event).toEqual({ importId, conversationId, processed: 15_000 });
    expect(progress.map((p) => p.processed)).toEqual([
      1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000, 11_000, 12_000, 13_000, 14_000, 15_000,
    ]);
    expect(progress.every((p) => p.importId === importId)).toBe(true);

    const [{ authors, ben }] = await em()
      .getConnection()
      .execute<{ authors: string[]; ben: number }[]>(
        `select array_agg(distinct author_name order by author_name) as authors,
                count(*) filter (where author_id = ?)::int as ben
           from chat_messages where conversation_id = ? and author_name is not null`,
        [members[0].id, conversationId],
      );
    expect(authors).toEqual([...BIG_EXPORT_AUTHORS].sort());
    expect(ben).toBe(2500); // Ben's 1 250 text and 1 250 media messages, mapped to the member "BEN"
    const newest = await call(
      a,
      'GET',
      `/api/v1/chat/conversations/${conversationId}/messages?limit=2`,
      inOrg(owner, orgId),
    );
    expect((newest.body.items as Json[]).map((m) => m.kind as string)).toEqual(['system', 'media']);
    expect(newest.body.items[1].authorName).toBe('Dana');
  });

  it('refuses a malformed small file with 400 naming the line, and fails a large one in the job with its line', async () => {
    const { orgId, owner } = await team();
    const small = await upload(
      a,
      owner.accessToken,
      orgId,
      {
        name: 'bad.txt',
        content: fixture('whatsapp-invalid-date.txt'),
      },
      { platform: 'whatsapp' },
    );
    expect(small.status).toBe(400);
    expect(small.body).toMatchObject({ code: 'CHAT_IMPORT_MALFORMED', details: { field: 'file', line: 4 } });
    expect(small.body.message).toMatch(/^line 4: /);

    const socket = await notifications(owner);
    const failed = record(socket, 'chat.import.failed');
    const content = `${[...bigWhatsAppExport(600)].join('')}31/02/2023, 10:00 - Ann: this date does not exist\n`;
    const large = await upload(a, owner.accessToken, orgId, { name: 'big.txt', content }, { platform: 'whatsapp' });
    expect(large.status).toBe(202);
    const done = await finished(owner, orgId, large.body.id as string);
    expect(done).toMatchObject({
      status: 'failed',
      conversationId: null,
      error: { code: 'CHAT_IMPORT_MALFORMED', line: 2401 },
    });
    expect(done.error.message).toMatch(/^line 2401: "31\/02\/2023"/);
    const event = await eventually(() => failed[0], 10_000, 'chat.import.failed');
    expect(event).toEqual({ importId: large.body.id, error: done.error });
    // The first 1 000 messages had been stored: nothing of them is left.
    const [{ count }] = await em()
      .getConnection()
      .execute<{ count: number }[]>(
        `select count(*)::int as count from chat_conversations where organization_id = ? and type = 'imported'`,
        [orgId],
      );
    expect(count).toBe(0);

    const telegram = await upload(
      a,
      owner.accessToken,
      orgId,
      {
        name: 'result.json',
        content: JSON.stringify({
          name: 'x',
          messages: [{ id: 1, type: 'message', date_unixtime: 'soon', text: 'hi' }],
        }),
      },
      { platform: 'telegram' },
    );
    expect(telegram.status).toBe(400);
    expect(telegram.body).toMatchObject({ code: 'CHAT_IMPORT_MALFORMED', details: { field: 'file', entry: 0 } });
  });

  it('names the field of a bad upload: platform, file, unknown fields, size (413)', async () => {
    const { orgId, owner } = await team();
    const file = { name: 'chat.txt', content: fixture('whatsapp-android-en-gb.txt') };
    const noPlatform = await upload(a, owner.accessToken, orgId, file, {});
    expect([noPlatform.status, noPlatform.body.code, noPlatform.body.details[0].field]).toEqual([
      400,
      'VALIDATION_FAILED',
      'platform',
    ]);
    const badPlatform = await upload(a, owner.accessToken, orgId, file, { platform: 'signal' });
    expect([badPlatform.status, badPlatform.body.details[0].field]).toEqual([400, 'platform']);
    const noFile = await upload(a, owner.accessToken, orgId, null, { platform: 'whatsapp' });
    expect([noFile.status, noFile.body.code, noFile.body.details.field]).toEqual([
      400,
      'CHAT_IMPORT_UPLOAD_INVALID',
      'file',
    ]);
    const extra = await upload(a, owner.accessToken, orgId, file, { platform: 'whatsapp', owner: 'me' });
    expect([extra.status, extra.body.details.field]).toEqual([400, 'owner']);
    const zone = await upload(a, owner.accessToken, orgId, file, { platform: 'whatsapp', timeZone: 'Mars/Olympus' });
    expect([zone.status, zone.body.details[0].field]).toEqual([400, 'timeZone']);
    const huge = await upload(
      a,
      owner.accessToken,
      orgId,
      { name: 'huge.txt', content: Buffer.alloc(MAX_BYTES + 1, 97) },
      {
        platform: 'whatsapp',
      },
    );
    expect([huge.status, huge.body.code, huge.body.details.field]).toEqual([413, 'CHAT_IMPORT_TOO_LARGE', 'file']);
    const notMultipart = await call(a, 'POST', '/api/v1/chat/imports', {
      ...inOrg(owner, orgId),
      body: { platform: 'whatsapp' },
    });
    expect([notMultipart.status, notMultipart.body.code]).toEqual([400, 'CHAT_IMPORT_UPLOAD_INVALID']);
    const imports = await call(a, 'GET', '/api/v1/chat/imports', inOrg(owner, orgId));
    expect(imports.body.items).toEqual([]);
  });

  it('charges guests one import per upload and the file’s messages, atomically', async () => {
    const guest = async () => {
      const res = await call(a, 'POST', '/api/v1/auth/guest');
      const token = res.body.accessToken as string;
      const org = await call(a, 'POST', '/api/v1/organizations', { token, body: { name: `Guest ${Date.now()}` } });
      return { token, orgId: org.body.id as string };
    };
    const quotas = async (token: string) =>
      Object.fromEntries(
        ((await call(a, 'GET', '/api/v1/auth/me/quotas', { token })).body as Json[]).map((q) => [
          q.key as string,
          q.used as number,
        ]),
      );
    const file = { name: 'chat.txt', content: fixture('whatsapp-android-en-us.txt') };

    const first = await guest();
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await upload(a, first.token, first.orgId, file, { platform: 'whatsapp' });
      expect(res.status).toBe(202);
      ids.push(res.body.id as string);
    }
    const third = await upload(a, first.token, first.orgId, file, { platform: 'whatsapp' });
    expect(third.status).toBe(403);
    expect(third.body).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { quota: 'imports', limit: 2, used: 2 } });
    for (const id of ids) {
      expect((await finished({ accessToken: first.token }, first.orgId, id)).status).toBe('completed');
    }
    expect(await quotas(first.token)).toEqual({ imports: 2, messages: 26 });

    // 210 messages, more than the 200 a guest has: refused before anything is stored or charged, whatever its size.
    const second = await guest();
    const tooMany = await upload(
      a,
      second.token,
      second.orgId,
      {
        name: 'many.txt',
        content: [...bigWhatsAppExport(70)].join(''),
      },
      { platform: 'whatsapp' },
    );
    expect(tooMany.status).toBe(403);
    expect(tooMany.body).toMatchObject({ code: 'QUOTA_EXCEEDED', details: { quota: 'messages', remaining: 200 } });
    expect(await quotas(second.token)).toEqual({ imports: 0, messages: 0 });
    const fits = await upload(
      a,
      second.token,
      second.orgId,
      {
        name: 'fits.txt',
        content: [...bigWhatsAppExport(66)].join(''),
      },
      { platform: 'whatsapp' },
    );
    expect(fits.status).toBe(202);
    expect(fits.body.progress).toEqual({ processed: 0, total: 198 });
    expect(await quotas(second.token)).toEqual({ imports: 1, messages: 198 });
    const over = await upload(a, second.token, second.orgId, file, { platform: 'whatsapp' });
    expect([over.status, over.body.details.quota]).toEqual([403, 'messages']);
    expect(await quotas(second.token)).toEqual({ imports: 1, messages: 198 });
  });

  it('exports a conversation as streamed JSON and WhatsApp-like text that imports back with the same messages', async () => {
    const { orgId, owner } = await team();
    const done = await imported(owner, orgId, 'chat.txt', fixture('whatsapp-ios-en-gb.txt'), { platform: 'whatsapp' });
    const conversationId = done.conversationId as string;
    const original = await messages(owner, orgId, conversationId);
    const headers = { authorization: `Bearer ${owner.accessToken}`, 'x-organization-id': orgId };

    const jsonRes = await fetch(`${b.baseUrl}/api/v1/chat/conversations/${conversationId}/export?format=json`, {
      headers,
    });
    expect(jsonRes.status).toBe(200);
    expect(jsonRes.headers.get('content-type')).toMatch(/^application\/json/);
    expect(jsonRes.headers.get('content-disposition')).toMatch(
      /^attachment; filename="chat-Book-Club-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    const json = (await jsonRes.json()) as Json;
    expect(json.conversation).toMatchObject({ id: conversationId, type: 'imported', source: 'whatsapp' });
    expect(json.messages).toHaveLength(10);
    expect((json.messages as Json[]).map((m) => [m.id, m.author, m.sentAt, m.kind] as unknown[])).toEqual(
      original.map((m) => [m.id, m.authorName, m.createdAt, m.kind] as unknown[]),
    );

    const textRes = await fetch(`${b.baseUrl}/api/v1/chat/conversations/${conversationId}/export?format=text`, {
      headers,
    });
    expect(textRes.status).toBe(200);
    expect(textRes.headers.get('content-disposition')).toMatch(/filename="chat-.*\.txt"$/);
    const text = await textRes.text();
    expect(text.split('\n')[0]).toMatch(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] /);
    const again = await imported(owner, orgId, 'again.txt', text, { platform: 'whatsapp' });
    const roundTrip = await messages(owner, orgId, again.conversationId as string);
    expect(roundTrip.map((m) => [m.authorName, m.createdAt, m.kind, m.body] as unknown[])).toEqual(
      original.map((m) => [m.authorName, m.createdAt, m.kind, m.body] as unknown[]),
    );

    // A regular group exports too, and 2 500 messages stream across pages of 1 000.
    const group = await call(a, 'POST', '/api/v1/chat/conversations', {
      ...inOrg(owner, orgId),
      body: { type: 'group', title: 'Team', memberIds: [owner.id] },
    });
    expect(group.status).toBe(201);
    const hello = await call(a, 'POST', `/api/v1/chat/conversations/${group.body.id}/messages`, {
      ...inOrg(owner, orgId),
      body: { body: 'hello' },
    });
    expect(hello.status).toBe(201);
    const groupText = await (
      await fetch(`${a.baseUrl}/api/v1/chat/conversations/${group.body.id}/export?format=text`, { headers })
    ).text();
    expect(groupText).toMatch(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] user-[^:]+: hello\n$/);
    const big = await imported(owner, orgId, 'big.txt', [...bigWhatsAppExport(834)].join(''), { platform: 'whatsapp' });
    const bigJson = (await (
      await fetch(`${a.baseUrl}/api/v1/chat/conversations/${big.conversationId}/export`, { headers })
    ).json()) as Json;
    expect(bigJson.messages).toHaveLength(2502);
    expect(new Set((bigJson.messages as Json[]).map((m) => m.id as string)).size).toBe(2502);
  });

  it('shows imports and exports to their owner only (others 404)', async () => {
    const { orgId, owner, members } = await team('Other');
    const [other] = members;
    const done = await imported(owner, orgId, 'chat.txt', fixture('whatsapp-android-es.txt'), { platform: 'whatsapp' });
    const get = await call(a, 'GET', `/api/v1/chat/imports/${done.id}`, inOrg(other, orgId));
    expect([get.status, get.body.code]).toEqual([404, 'CHAT_IMPORT_NOT_FOUND']);
    const list = await call(a, 'GET', '/api/v1/chat/imports', inOrg(other, orgId));
    expect(list.body.items).toEqual([]);
    const exported = await call(
      a,
      'GET',
      `/api/v1/chat/conversations/${done.conversationId}/export`,
      inOrg(other, orgId),
    );
    expect([exported.status, exported.body.code]).toEqual([404, 'CHAT_CONVERSATION_NOT_FOUND']);
    const messagesOfOther = await call(
      a,
      'GET',
      `/api/v1/chat/conversations/${done.conversationId}/messages`,
      inOrg(other, orgId),
    );
    expect(messagesOfOther.status).toBe(404);
    const outsider = await registerUser(a);
    const elsewhere = await call(a, 'GET', `/api/v1/chat/imports/${done.id}`, inOrg(outsider, orgId));
    expect(elsewhere.status).toBe(404);
  });

  it('stores messages once when the job runs again, concurrently, or resumes after a partial run', async () => {
    const { orgId, owner } = await team();
    const content = [...bigWhatsAppExport(500)].join('');
    const done = await imported(owner, orgId, 'chat.txt', content, { platform: 'whatsapp' });
    const importId = done.id as string;
    const conversationId = done.conversationId as string;
    expect(await countMessages(conversationId)).toBe(1500);
    const processor = worker.get(ChatImportProcessor);
    const job = { name: 'chat.import', data: { importId }, attemptsMade: 0, opts: { attempts: 5 } } as unknown as Job;

    // A finished import: the job is a no-op.
    await processor.process(job);
    expect(await countMessages(conversationId)).toBe(1500);

    // As if a worker died after the first batch: the file back in place, later messages gone, status running.
    const relative = join('chat-imports', owner.id, importId);
    mkdirSync(dirname(join(storage, relative)), { recursive: true });
    writeFileSync(join(storage, relative), content);
    const fork = em();
    await fork
      .getConnection()
      .execute('delete from chat_messages where conversation_id = ? and import_seq >= 1000', [conversationId]);
    await fork
      .getConnection()
      .execute(`update chat_imports set status = 'running', path = ?, processed = 1000 where id = ?`, [
        relative,
        importId,
      ]);
    await fork
      .getConnection()
      .execute('delete from chat_conversation_members where conversation_id = ?', [conversationId]);
    expect(await countMessages(conversationId)).toBe(1000);

    await Promise.all([processor.process(job), processor.process(job)]);
    expect(await countMessages(conversationId)).toBe(1500);
    const [{ distinct }] = await fork
      .getConnection()
      .execute<{ distinct: number }[]>(
        'select count(distinct import_seq)::int as distinct from chat_messages where conversation_id = ?',
        [conversationId],
      );
    expect(distinct).toBe(1500);
    const after = await call(a, 'GET', `/api/v1/chat/imports/${importId}`, inOrg(owner, orgId));
    expect(after.body).toMatchObject({ status: 'completed', progress: { processed: 1500, total: 1500 } });
    const items = await call(
      a,
      'GET',
      `/api/v1/chat/conversations/${conversationId}/messages?limit=1`,
      inOrg(owner, orgId),
    );
    expect(items.status).toBe(200);
  });
});
