import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { createWorkerContext } from 'src/bootstrap';
import { validateEnv } from 'src/config/env.schema';
import { call, eventually, inOrg, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';
import { bigWhatsAppExport } from '../support/whatsapp-export';

type Json = Record<string, any>;

/** Small exports are validated (and their date order decided) in the request; larger ones by the job. */
const SYNC_BYTES = 4096;

/**
 * The day/month order of WhatsApp imports: the request's `dateOrder`, then a day > 12 in the file, then the order in
 * which the messages follow each other, then the importer's profile locale, then day-first; the import says which.
 */
describe('chat import: day and month of WhatsApp dates', () => {
  const storage = mkdtempSync(join(tmpdir(), 'switchboard-chat-import-dates-'));
  const settings = { STORAGE_DIR: storage, CHAT_IMPORT_SYNC_VALIDATE_BYTES: String(SYNC_BYTES) };
  let a: TestApp;
  let worker: INestApplicationContext;

  beforeAll(async () => {
    a = await startTestApp({ ...settings, APP_ROLE: 'api' });
    worker = await createWorkerContext(
      validateEnv({ LOG_LEVEL: 'silent', ...process.env, ...settings, APP_ROLE: 'worker' }),
    );
  });
  afterAll(async () => {
    await Promise.all([a?.close(), worker?.close()]);
  });

  /** An en-US export, 12-hour clock, every day ≤ 12: four messages over four days of January. */
  const US_SHORT = [
    '1/2/24, 9:15 AM - Ann: Happy new year!',
    '1/2/24, 9:20 AM - Bob: You too',
    '1/3/24, 8:00 PM - Ann: Dinner on Friday?',
    '1/5/24, 7:30 PM - Bob: On my way',
    '',
  ].join('\n');

  async function owner(locale?: string): Promise<{ user: TestUser; orgId: string }> {
    const user = await registerUser(a);
    if (locale) {
      const res = await call(a, 'PATCH', '/api/v1/settings/profile', { token: user.accessToken, body: { locale } });
      expect(res.status).toBe(200);
    }
    const org = await call(a, 'POST', '/api/v1/organizations', {
      token: user.accessToken,
      body: { name: `Dates ${Date.now()}` },
    });
    return { user, orgId: org.body.id as string };
  }

  async function upload(user: TestUser, orgId: string, content: string, fields: Record<string, string> = {}) {
    const form = new FormData();
    form.append('platform', 'whatsapp');
    form.append('timeZone', 'UTC');
    for (const [key, value] of Object.entries(fields)) {
      form.append(key, value);
    }
    form.append('file', new Blob([content]), 'chat.txt');
    const res = await fetch(`${a.baseUrl}/api/v1/chat/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}`, 'x-organization-id': orgId },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  async function completed(user: TestUser, orgId: string, id: string): Promise<Json> {
    const done = await eventually(
      async () => {
        const res = await call(a, 'GET', `/api/v1/chat/imports/${id}`, inOrg(user, orgId));
        return ['completed', 'failed'].includes(res.body.status as string) ? (res.body as Json) : undefined;
      },
      60_000,
      `import ${id}`,
    );
    expect(done).toMatchObject({ status: 'completed', error: null });
    return done;
  }

  async function sentAt(user: TestUser, orgId: string, conversationId: string): Promise<string[]> {
    const res = await call(a, 'GET', `/api/v1/chat/conversations/${conversationId}/messages?limit=100`, {
      ...inOrg(user, orgId),
    });
    expect(res.status).toBe(200);
    return (res.body.items as Json[]).map((m) => m.createdAt as string).reverse();
  }

  it('dates a short en-US export with every day ≤ 12 month-first from the order of its messages', async () => {
    const { user, orgId } = await owner();
    const res = await upload(user, orgId, US_SHORT);
    expect(res.status).toBe(202);
    // Validated in the request, so the order is known at once.
    expect(res.body.dateOrder).toEqual({ order: 'MDY', decidedBy: 'sequence' });
    const done = await completed(user, orgId, res.body.id as string);
    expect(done.dateOrder).toEqual({ order: 'MDY', decidedBy: 'sequence' });
    expect(await sentAt(user, orgId, done.conversationId as string)).toEqual([
      '2024-01-02T09:15:00.000Z',
      '2024-01-02T09:20:00.000Z',
      '2024-01-03T20:00:00.000Z',
      '2024-01-05T19:30:00.000Z',
    ]);
  });

  it('lets an explicit dateOrder win: day-first is what the import used to do, 1 Feb to 1 May', async () => {
    const { user, orgId } = await owner('en-US');
    const res = await upload(user, orgId, US_SHORT, { dateOrder: 'DMY' });
    expect(res.status).toBe(202);
    expect(res.body.dateOrder).toEqual({ order: 'DMY', decidedBy: 'request' });
    const done = await completed(user, orgId, res.body.id as string);
    expect((await sentAt(user, orgId, done.conversationId as string)).map((t) => t.slice(0, 10))).toEqual([
      '2024-02-01',
      '2024-02-01',
      '2024-03-01',
      '2024-05-01',
    ]);
  });

  it('takes a truly ambiguous single message month-first from an en-US profile, day-first from en-GB', async () => {
    const single = '[1/2/24, 10:00:00] Ann: just one message\n';
    const us = await owner('en-US');
    const gb = await owner('en-GB');

    const asUs = await upload(us.user, us.orgId, single);
    const asGb = await upload(gb.user, gb.orgId, single);

    expect(asUs.body.dateOrder).toEqual({ order: 'MDY', decidedBy: 'locale' });
    expect(asGb.body.dateOrder).toEqual({ order: 'DMY', decidedBy: 'locale' });
    const done = await completed(us.user, us.orgId, asUs.body.id as string);
    expect(await sentAt(us.user, us.orgId, done.conversationId as string)).toEqual(['2024-01-02T10:00:00.000Z']);
  });

  it('makes the encryption notice iOS puts under the contact a system line, in German too', async () => {
    const { user, orgId } = await owner('de-DE');
    const notice =
      'Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses Chats kann sie lesen oder ' +
      'anhören, nicht einmal WhatsApp.';
    const res = await upload(user, orgId, `[1/2/24, 10:00:00] Anna: \u200e${notice}\n[1/2/24, 10:01:00] Anna: Hallo\n`);
    expect(res.status).toBe(202);
    const done = await completed(user, orgId, res.body.id as string);
    const list = await call(a, 'GET', `/api/v1/chat/conversations/${done.conversationId}/messages?limit=10`, {
      ...inOrg(user, orgId),
    });
    const items = (list.body.items as Json[]).reverse();
    expect(items.map((m): unknown[] => [m.kind, m.authorName, m.body])).toEqual([
      ['system', null, notice],
      ['text', 'Anna', 'Hallo'],
    ]);
    expect(done.dateOrder).toEqual({ order: 'DMY', decidedBy: 'locale' });
  });

  it('records the order decided by the job for a file too large to validate in the request', async () => {
    const { user, orgId } = await owner();
    const content = [...bigWhatsAppExport(200)].join('');
    expect(content.length).toBeGreaterThan(SYNC_BYTES);
    const res = await upload(user, orgId, content);
    expect(res.status).toBe(202);
    expect(res.body.dateOrder).toBeNull();
    const done = await completed(user, orgId, res.body.id as string);
    expect(done.dateOrder).toEqual({ order: 'DMY', decidedBy: 'content' });
  });

  it('refuses a dateOrder that is not DMY or MDY, naming the field', async () => {
    const { user, orgId } = await owner();
    const res = await upload(user, orgId, US_SHORT, { dateOrder: 'YDM' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'dateOrder' }] });
  });

  it('fails a file that contradicts the dateOrder asked for, naming the line', async () => {
    const { user, orgId } = await owner();
    const res = await upload(user, orgId, `${US_SHORT}1/13/24, 10:00 AM - Ann: later\n`, { dateOrder: 'DMY' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'CHAT_IMPORT_MALFORMED', details: { field: 'file', line: 5 } });
  });
});
