import { MikroORM } from '@mikro-orm/postgresql';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSwitchboardClient, type SwitchboardClient } from '../../client';
import { AppConfigService } from 'src/config/app-config.service';
import { Membership, OrgRole } from 'src/modules/organizations/membership.entity';
import { registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';

type Json = Record<string, any>;

const MAX_BYTES = 256 * 1024;

describe('chat attachments: upload, share with a message, download', () => {
  let t: TestApp;
  let storageDir: string;
  let orgId: string;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let conversationId: string;
  const clients = new Map<string, SwitchboardClient>();

  const org = (): { 'X-Organization-Id': string } => ({ 'X-Organization-Id': orgId });
  /** The typed client of a user. */
  const api = (user: TestUser): SwitchboardClient => clients.get(user.id)!;

  async function upload(
    user: TestUser,
    files: { name: string; type: string; data: Buffer }[],
    conversation = conversationId,
    field = 'file',
  ): Promise<{ status: number; body: Json }> {
    const form = new FormData();
    for (const file of files) {
      form.append(field, new Blob([file.data], { type: file.type }), file.name);
    }
    const res = await fetch(`${t.baseUrl}/api/v1/chat/conversations/${conversation}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}`, 'x-organization-id': orgId },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  async function download(user: TestUser, attachmentId: string): Promise<Response> {
    return fetch(`${t.baseUrl}/api/v1/chat/conversations/${conversationId}/attachments/${attachmentId}`, {
      headers: { authorization: `Bearer ${user.accessToken}`, 'x-organization-id': orgId },
    });
  }

  const sha256 = (data: Buffer | ArrayBuffer): string =>
    createHash('sha256')
      .update(Buffer.from(data as ArrayBuffer))
      .digest('hex');

  const send = (user: TestUser, body: { body?: string; attachmentIds?: string[] }) =>
    api(user).POST('/api/v1/chat/conversations/{id}/messages', {
      params: { header: org(), path: { id: conversationId } },
      body,
    });

  beforeAll(async () => {
    t = await startTestApp({ CHAT_ATTACHMENT_MAX_BYTES: String(MAX_BYTES), CHAT_ATTACHMENT_MAX_FILES: '3' });
    storageDir = t.app.get(AppConfigService).storage.dir;
    [alice, bob, carol] = [await registerUser(t), await registerUser(t), await registerUser(t)];
    const created = await alice.api.POST('/api/v1/organizations', { body: { name: `Files ${Date.now()}` } });
    orgId = created.data!.id;
    const em = t.app.get(MikroORM).em.fork();
    for (const user of [bob, carol]) {
      em.create(Membership, { organization: orgId, user: user.id, role: OrgRole.Member });
    }
    await em.flush();
    for (const user of [alice, bob, carol]) {
      clients.set(user.id, createSwitchboardClient(t.baseUrl, { token: user.accessToken }));
    }
    const group = await api(alice).POST('/api/v1/chat/conversations', {
      params: { header: org() },
      body: { type: 'group', title: 'Files', memberIds: [bob.id] },
    });
    conversationId = group.data!.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shares uploaded files with a message; members download the exact bytes, others get 404', async () => {
    // Served as application/pdf because the bytes start like one (the declared type alone is not trusted).
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(200 * 1024)]);
    const csv = Buffer.from('name,city\nZoë,Zürich\n', 'utf8');
    const up = await upload(alice, [
      { name: 'Quarterly report ✓.pdf', type: 'application/pdf', data: pdf },
      { name: 'people.csv', type: 'text/csv', data: csv },
    ]);
    expect(up.status).toBe(201);
    expect(up.body).toHaveLength(2);
    expect(up.body[0]).toMatchObject({ filename: 'Quarterly report ✓.pdf', size: pdf.length, sha256: sha256(pdf) });
    const ids = (up.body as unknown as Json[]).map((a) => a.id as string);

    // Pending: the uploader sees it, the other member does not yet.
    expect((await download(alice, ids[1])).status).toBe(200);
    expect((await download(bob, ids[1])).status).toBe(404);

    // Shown in the order the message lists them, not the upload order.
    const sent = await send(alice, { attachmentIds: [...ids].reverse() });
    expect(sent.response.status).toBe(201);
    expect(sent.data!.body).toBe('');
    expect(sent.data!.attachments.map((a) => a.id)).toEqual([...ids].reverse());

    const page = await api(bob).GET('/api/v1/chat/conversations/{id}/messages', {
      params: { header: org(), path: { id: conversationId }, query: {} },
    });
    expect(page.data!.items[0].attachments.map((a) => a.filename)).toEqual(['people.csv', 'Quarterly report ✓.pdf']);

    const res = await download(bob, ids[0]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-disposition')).toContain("filename*=UTF-8''Quarterly%20report%20%E2%9C%93.pdf");
    expect(sha256(await res.arrayBuffer())).toBe(sha256(pdf));
    expect(await (await download(bob, ids[1])).text()).toBe(csv.toString('utf8'));

    // carol is in the organization but not in the conversation
    expect((await download(carol, ids[0])).status).toBe(404);
    expect((await upload(carol, [{ name: 'x.txt', type: 'text/plain', data: Buffer.from('x') }])).status).toBe(404);

    // The conversation list shows the last message with its attachments.
    const list = await api(bob).GET('/api/v1/chat/conversations', { params: { header: org(), query: {} } });
    const summary = list.data!.items.find((c) => c.id === conversationId)!;
    expect(summary.lastMessage!.attachments).toHaveLength(2);
  });

  it('refuses ids that are not your own unsent uploads here, storing nothing', async () => {
    const mine = await upload(bob, [{ name: 'b.txt', type: 'text/plain', data: Buffer.from('bob') }]);
    const before = await api(alice).GET('/api/v1/chat/conversations/{id}/messages', {
      params: { header: org(), path: { id: conversationId }, query: {} },
    });
    // alice tries to send bob's upload
    const stolen = await send(alice, { body: 'look', attachmentIds: [mine.body[0].id as string] });
    expect(stolen.response.status).toBe(400);
    expect(stolen.error).toMatchObject({ code: 'CHAT_ATTACHMENT_INVALID', details: { field: 'attachmentIds' } });
    const after = await api(alice).GET('/api/v1/chat/conversations/{id}/messages', {
      params: { header: org(), path: { id: conversationId }, query: {} },
    });
    expect(after.data!.items[0].id).toBe(before.data!.items[0].id);

    // bob sends it once; sending it again is refused (already attached)
    expect((await send(bob, { body: 'mine', attachmentIds: [mine.body[0].id as string] })).response.status).toBe(201);
    const again = await send(bob, { body: 'again', attachmentIds: [mine.body[0].id as string] });
    expect(again.response.status).toBe(400);

    // neither body nor attachments
    const empty = await send(bob, {});
    expect(empty.response.status).toBe(400);
    expect(JSON.stringify(empty.error)).toContain('body');
    // more attachments than CHAT_ATTACHMENT_MAX_FILES
    const tooMany = await send(bob, {
      body: 'x',
      attachmentIds: Array.from({ length: 4 }, () => '00000000-0000-4000-8000-000000000000').map((id, i) =>
        id.replace(/0$/, String(i)),
      ),
    });
    expect(tooMany.response.status).toBe(400);
    expect(JSON.stringify(tooMany.error)).toContain('attachmentIds');
  });

  it('refuses oversized files, too many files and other parts with clear codes, leaving no file behind', async () => {
    const files = (): string[] => {
      const dir = join(storageDir, 'chat-attachments', conversationId);
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    };
    const count = files().length;
    const big = await upload(alice, [
      { name: 'ok.txt', type: 'text/plain', data: Buffer.from('fine') },
      { name: 'big.bin', type: 'application/octet-stream', data: randomBytes(MAX_BYTES + 1) },
    ]);
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ code: 'CHAT_ATTACHMENT_TOO_LARGE', details: { field: 'file', limit: MAX_BYTES } });
    const many = await upload(
      alice,
      Array.from({ length: 4 }, (_, i) => ({ name: `${i}.txt`, type: 'text/plain', data: Buffer.from(String(i)) })),
    );
    expect(many.status).toBe(413);
    const wrong = await upload(
      alice,
      [{ name: 'a.txt', type: 'text/plain', data: Buffer.from('a') }],
      undefined,
      'doc',
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ code: 'CHAT_UPLOAD_INVALID', details: { field: 'doc' } });
    expect(files()).toHaveLength(count);
  });

  it('stops serving the files of a deleted message', async () => {
    const up = await upload(alice, [{ name: 'secret.txt', type: 'text/plain', data: Buffer.from('s3cret') }]);
    const sent = await send(alice, { body: 'oops', attachmentIds: [up.body[0].id as string] });
    expect((await download(bob, up.body[0].id as string)).status).toBe(200);
    await api(alice).DELETE('/api/v1/chat/conversations/{id}/messages/{messageId}', {
      params: { header: org(), path: { id: conversationId, messageId: sent.data!.id } },
    });
    const res = await download(bob, up.body[0].id as string);
    expect(res.status).toBe(404);
    expect(((await res.json()) as Json).code).toBe('CHAT_ATTACHMENT_NOT_FOUND');
  });
});
