import { MikroORM } from '@mikro-orm/postgresql';
import { connect } from 'node:net';
import { Membership, OrgRole } from 'src/modules/organizations/membership.entity';
import { call, inOrg, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';

type Json = Record<string, any>;

const BAD_TEXT = 'must not contain NUL or unpaired surrogate characters';
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** Every error answer: the envelope with a request id. */
function expectEnvelope(body: Json, statusCode: number, code: string): void {
  expect(body).toMatchObject({ statusCode, code, message: expect.any(String), requestId: expect.any(String) });
}

/** A raw HTTP/1.1 exchange, for what fetch cannot send (an oversized request line). */
function rawRequest(port: number, request: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), headers: head, body: rest.join('\r\n\r\n') });
    });
  });
}

describe('hostile input: answered once in the request pipeline, always in the error shape', () => {
  let t: TestApp;
  let owner: TestUser;
  let orgId: string;
  let conversationId: string;

  const json = async (
    method: string,
    path: string,
    body: string,
    options: { user?: TestUser; contentType?: string } = {},
  ): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers: {
        'content-type': options.contentType ?? 'application/json',
        ...(options.user ? { authorization: `Bearer ${options.user.accessToken}`, 'x-organization-id': orgId } : {}),
      },
      body,
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  beforeAll(async () => {
    t = await startTestApp();
    owner = await registerUser(t);
    orgId = (await call(t, 'POST', '/api/v1/organizations', { token: owner.accessToken, body: { name: 'Hostile' } }))
      .body.id as string;
    const member = await registerUser(t);
    const em = t.app.get(MikroORM).em.fork();
    em.create(Membership, { organization: orgId, user: member.id, role: OrgRole.Member });
    await em.flush();
    const group = await call(t, 'POST', '/api/v1/chat/conversations', {
      ...inOrg(owner, orgId),
      body: { type: 'group', title: 'Files', memberIds: [member.id] },
    });
    expect(group.status).toBe(201);
    conversationId = group.body.id as string;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('NUL and lone surrogates', () => {
    it('refuses a NUL in a body field with 400 naming the field, writing nothing', async () => {
      const res = await call(t, 'POST', '/api/v1/organizations', {
        token: owner.accessToken,
        body: { name: 'Acme\u0000Corp' },
      });
      expect(res.status).toBe(400);
      expectEnvelope(res.body, 400, 'VALIDATION_FAILED');
      expect(res.body.details).toEqual([{ field: 'name', errors: [BAD_TEXT] }]);
      const mine = await call(t, 'GET', '/api/v1/organizations', { token: owner.accessToken });
      expect(JSON.stringify(mine.body)).not.toContain('Acme');
    });

    it('names nested fields and keys, in bodies of any depth', async () => {
      const res = await call(t, 'POST', '/api/v1/chat/conversations', {
        ...inOrg(owner, orgId),
        body: { type: 'group', title: 'ok', memberIds: ['a', 'b\u0000'] },
      });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([{ field: 'memberIds.1', errors: [BAD_TEXT] }]);
      const key = await json('POST', '/api/v1/organizations', '{"name":"x","\\u0000":1}', { user: owner });
      expect(key.status).toBe(400);
      expect(key.body.details[0].errors).toEqual([BAD_TEXT]);
    });

    it('refuses a NUL in a query string (chat search) and in a path parameter', async () => {
      const search = await call(t, 'GET', '/api/v1/chat/search?q=%00', inOrg(owner, orgId));
      expect(search.status).toBe(400);
      expectEnvelope(search.body, 400, 'VALIDATION_FAILED');
      expect(search.body.details).toEqual([{ field: 'q', errors: [BAD_TEXT] }]);
      const path = await call(t, 'GET', '/api/v1/chat/conversations/a%00b', inOrg(owner, orgId));
      expect(path.status).toBe(400);
      expect(path.body.details).toEqual([{ field: 'id', errors: [BAD_TEXT] }]);
    });

    it('refuses NUL and a lone surrogate in an unauthenticated login with 400, and a login still works', async () => {
      const nul = await call(t, 'POST', '/api/v1/auth/login', { body: { login: 'a\u0000b', password: 'x' } });
      expect(nul.status).toBe(400);
      expect(nul.body.details).toEqual([{ field: 'login', errors: [BAD_TEXT] }]);
      // Raw JSON text: JSON.stringify would escape the surrogate the same way, but be explicit.
      const surrogate = await json('POST', '/api/v1/auth/login', '{"login":"\\ud800x","password":"x"}');
      expect(surrogate.status).toBe(400);
      expectEnvelope(surrogate.body, 400, 'VALIDATION_FAILED');
      expect(surrogate.body.details).toEqual([{ field: 'login', errors: [BAD_TEXT] }]);
      const password = await json('POST', '/api/v1/auth/login', '{"login":"someone","password":"\\udfff"}');
      expect(password.body.details).toEqual([{ field: 'password', errors: [BAD_TEXT] }]);
      // A well-formed pair is fine text: a wrong login, not a validation error.
      const pair = await call(t, 'POST', '/api/v1/auth/login', { body: { login: 'x😀@example.com', password: 'x' } });
      expect(pair.status).toBe(401);
    });

    it('records a user agent with control characters replaced rather than failing the login', async () => {
      const res = await fetch(`${t.baseUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Agent \u00ff/1.0' },
        body: JSON.stringify({ login: owner.email, password: 'Correct-Horse-9' }),
      });
      expect(res.status).toBe(200);
    });
  });

  describe('dates', () => {
    it('refuses extended years in a date query and a date body with 400 naming the field', async () => {
      for (const value of [
        '-000001-01-01T00:00:00Z',
        '+275760-09-13T00:00:00Z',
        '0000-01-01T00:00:00Z',
        '2024-02-30',
      ]) {
        const query = await call(
          t,
          'GET',
          `/api/v1/video/calls?from=${encodeURIComponent(value)}`,
          inOrg(owner, orgId),
        );
        expect(query.status).toBe(400);
        expectEnvelope(query.body, 400, 'VALIDATION_FAILED');
        expect(query.body.details.map((d: Json) => d.field as string)).toEqual(['from']);
      }
      const body = await call(t, 'POST', '/api/v1/video/calls', {
        ...inOrg(owner, orgId),
        body: { direction: 'outbound', phoneNumber: '+12025550103', scheduledAt: '+275760-09-13T00:00:00Z' },
      });
      expect(body.status).toBe(400);
      expect(body.body.details.map((d: Json) => d.field as string)).toEqual(['scheduledAt']);
      const fine = await call(
        t,
        'GET',
        `/api/v1/video/calls?from=0001-01-01T00:00:00Z&to=9999-12-31`,
        inOrg(owner, orgId),
      );
      expect(fine.status).toBe(200);
    });
  });

  describe('JSON structure', () => {
    it('refuses JSON nested 10,000 deep with 400 (no RangeError), and prototype keys', async () => {
      const deep = `{"login":${'['.repeat(10_000)}${']'.repeat(10_000)},"password":"x"}`;
      const res = await json('POST', '/api/v1/auth/login', deep);
      expect(res.status).toBe(400);
      expectEnvelope(res.body, 400, 'VALIDATION_FAILED');
      expect(res.body.details[0].errors[0]).toMatch(/deeper than 64 levels/);
      const object = await json(
        'POST',
        '/api/v1/organizations',
        `{"name":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
        {
          user: owner,
        },
      );
      expect(object.status).toBe(400);
      const proto = await json('POST', '/api/v1/organizations', '{"name":"x","__proto__":{"admin":true}}', {
        user: owner,
      });
      expect(proto.status).toBe(400);
      expect(proto.body.details).toEqual([{ field: '__proto__', errors: ['is a forbidden prototype key'] }]);
      const ctor = await json('POST', '/api/v1/organizations', '{"name":"x","constructor":{"prototype":{}}}', {
        user: owner,
      });
      expect(ctor.status).toBe(400);
      const syntax = await json('POST', '/api/v1/auth/login', '{"login": secret');
      expect(syntax.status).toBe(400);
      expectEnvelope(syntax.body, 400, 'BAD_REQUEST');
      expect(JSON.stringify(syntax.body)).not.toContain('secret');
    });
  });

  describe('media types', () => {
    it('answers 415 in the error shape for urlencoded, text and multipart bodies on JSON routes', async () => {
      const urlencoded = await json('POST', '/api/v1/auth/login', 'login=a&password=b', {
        contentType: 'application/x-www-form-urlencoded',
      });
      expect(urlencoded.status).toBe(415);
      expectEnvelope(urlencoded.body, 415, 'UNSUPPORTED_MEDIA_TYPE');
      const text = await json('POST', '/api/v1/auth/login', 'login', { contentType: 'text/plain' });
      expect(text.status).toBe(415);
      const form = new FormData();
      form.append('login', 'a');
      form.append('password', 'b');
      const multipart = await fetch(`${t.baseUrl}/api/v1/auth/login`, { method: 'POST', body: form });
      expect(multipart.status).toBe(415);
      expectEnvelope((await multipart.json()) as Json, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('multipart uploads', () => {
    const truncated =
      '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello';
    const routes = (): string[] => [`/api/v1/chat/conversations/${conversationId}/attachments`, '/api/v1/chat/imports'];

    it('answers 400 for a truncated multipart body and one without a boundary on every upload route', async () => {
      for (const path of routes()) {
        for (const contentType of ['multipart/form-data; boundary=XyZ', 'multipart/form-data']) {
          const res = await json('POST', path, truncated, { user: owner, contentType });
          expect([path, contentType, res.status]).toEqual([path, contentType, 400]);
          expect(res.body).toMatchObject({ statusCode: 400, requestId: expect.any(String) });
          expect(res.body.code).toMatch(/UPLOAD_INVALID$/);
        }
      }
    });

    it('serves an uploaded HTML file as octet-stream with nosniff, a PNG as image/png', async () => {
      const form = new FormData();
      form.append('file', new Blob(['<html><script>alert(1)</script></html>'], { type: 'text/html' }), 'x.html');
      form.append('file', new Blob([PNG], { type: 'image/png' }), 'dot.png');
      form.append('file', new Blob(['<svg onload="alert(1)"/>'], { type: 'image/png' }), 'fake.png');
      const path = `/api/v1/chat/conversations/${conversationId}/attachments`;
      const headers = { authorization: `Bearer ${owner.accessToken}`, 'x-organization-id': orgId };
      const up = await fetch(`${t.baseUrl}${path}`, { method: 'POST', headers, body: form });
      expect(up.status).toBe(201);
      const [html, png, fake] = ((await up.json()) as Json[]).map((a) => a.id as string);
      const served = async (id: string): Promise<Response> => fetch(`${t.baseUrl}${path}/${id}`, { headers });

      const htmlRes = await served(html);
      expect(htmlRes.headers.get('content-type')).toBe('application/octet-stream');
      expect(htmlRes.headers.get('x-content-type-options')).toBe('nosniff');
      expect(htmlRes.headers.get('content-disposition')).toMatch(/^attachment;/);
      expect(await htmlRes.text()).toBe('<html><script>alert(1)</script></html>');

      const pngRes = await served(png);
      expect(pngRes.headers.get('content-type')).toBe('image/png');
      expect(pngRes.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(await pngRes.arrayBuffer()).equals(PNG)).toBe(true);

      // Declared image/png, but the bytes are SVG: not trusted.
      expect((await served(fake)).headers.get('content-type')).toBe('application/octet-stream');
    });
  });

  describe('envelope gaps', () => {
    it('answers a path parameter over the length limit with 414 in the error shape, without echoing it', async () => {
      const long = 'x'.repeat(150) + 'SECRETPART';
      const res = await fetch(`${t.baseUrl}/api/v1/chat/conversations/${long}`, {
        headers: { authorization: `Bearer ${owner.accessToken}` },
      });
      expect(res.status).toBe(414);
      const text = await res.text();
      expect(text).not.toContain('SECRETPART');
      const body = JSON.parse(text) as Json;
      expectEnvelope(body, 414, 'URI_TOO_LONG');
      expect(res.headers.get('x-request-id')).toBe(body.requestId);
    });

    it('answers an oversized query string with 431 in the error shape', async () => {
      const port = Number(new URL(t.baseUrl).port);
      const res = await rawRequest(
        port,
        `GET /health/live?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );
      expect(res.status).toBe(431);
      expect(res.headers).toMatch(/content-type: application\/json/i);
      expectEnvelope(JSON.parse(res.body) as Json, 431, 'HEADERS_TOO_LARGE');
    });
  });

  describe('/metrics', () => {
    it('serves direct loopback clients when no token is set, and refuses relayed requests', async () => {
      const direct = await fetch(`${t.baseUrl}/metrics`);
      expect(direct.status).toBe(200);
      expect(await direct.text()).toContain('http_requests_total');
      const relayed = await call(t, 'GET', '/metrics', { headers: { 'x-forwarded-for': '203.0.113.7' } });
      expect(relayed.status).toBe(403);
      expectEnvelope(relayed.body, 403, 'FORBIDDEN');
    });

    it('requires the bearer METRICS_TOKEN when set', async () => {
      const token = 'metrics-token-0123456789';
      const m = await startTestApp({ METRICS_TOKEN: token });
      try {
        const none = await call(m, 'GET', '/metrics');
        expect(none.status).toBe(401);
        expectEnvelope(none.body, 401, 'UNAUTHORIZED');
        expect((await call(m, 'GET', '/metrics', { token: 'wrong-token-0123456789' })).status).toBe(401);
        const ok = await fetch(`${m.baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
        expect(ok.status).toBe(200);
        expect(await ok.text()).toContain('http_requests_total');
      } finally {
        await m.close();
      }
    });
  });
});
