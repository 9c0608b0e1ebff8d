import { ProbeModule } from '../support/probe.module';
import { readJson, startTestApp, type TestApp } from '../support/test-app';

describe('platform: errors, request ids, headers, docs, metrics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ BODY_LIMIT_BYTES: '2048', CORS_ORIGINS: 'https://app.example.com' }, [ProbeModule]);
  });
  afterAll(() => t.close());

  const post = (path: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${t.baseUrl}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  it('answers the typed client with the server info', async () => {
    const { data, response } = await t.api.GET('/api/v1/system/info');
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ name: 'switchboard', apiVersion: 'v1' });
    expect(Math.abs(Date.parse(data!.serverTime) - Date.now())).toBeLessThan(5000);
  });

  it('gives an unknown route the error shape with ROUTE_NOT_FOUND', async () => {
    const res = await fetch(`${t.baseUrl}/api/v1/nothing-here?x=1`);
    expect(res.status).toBe(404);
    const body = await readJson(res);
    expect(body).toEqual({
      statusCode: 404,
      code: 'ROUTE_NOT_FOUND',
      message: 'Route GET /api/v1/nothing-here not found',
      requestId: res.headers.get('x-request-id'),
    });
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const kept = await fetch(`${t.baseUrl}/api/v1/system/info`, { headers: { 'x-request-id': 'trace-42.a_b:c' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-42.a_b:c');

    const replaced = await fetch(`${t.baseUrl}/api/v1/nope`, { headers: { 'x-request-id': 'bad id with spaces' } });
    const id = replaced.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await readJson(replaced)).requestId).toBe(id);
  });

  it('names every bad field of a validation failure', async () => {
    const res = await post(
      '/api/v1/test-probe/echo',
      JSON.stringify({ email: 'nope', count: 11, address: { city: 'X' } }),
    );
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.requestId).toBe(res.headers.get('x-request-id'));
    const fields = (body.details as { field: string; errors: string[] }[]).map((d) => d.field).sort();
    expect(fields).toEqual(['address.city', 'count', 'email']);
  });

  it('rejects unknown fields instead of dropping them (no mass assignment)', async () => {
    const res = await post('/api/v1/test-probe/echo', JSON.stringify({ email: 'a@b.co', count: 1, roles: ['admin'] }));
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.details).toEqual([{ field: 'roles', errors: ['property roles should not exist'] }]);
  });

  it('accepts a valid body', async () => {
    const res = await post('/api/v1/test-probe/echo', JSON.stringify({ email: 'a@b.co', count: 3 }));
    expect(res.status).toBe(201);
    expect(await readJson(res)).toEqual({ email: 'a@b.co', count: 3 });
  });

  it('refuses a body over BODY_LIMIT_BYTES with 413 in the error shape', async () => {
    const res = await post(
      '/api/v1/test-probe/echo',
      JSON.stringify({ email: 'a@b.co', count: 1, note: 'x'.repeat(4096) }),
    );
    expect(res.status).toBe(413);
    const body = await readJson(res);
    expect(body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(body.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('answers malformed JSON with a 400 in the error shape', async () => {
    const res = await post('/api/v1/test-probe/echo', '{"email": ');
    expect(res.status).toBe(400);
    expect(await readJson(res)).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
  });

  it('hides the detail of an unexpected error behind INTERNAL and the request id', async () => {
    const res = await post('/api/v1/test-probe/crash', '{}', { 'x-request-id': 'crash-1' });
    expect(res.status).toBe(500);
    expect(await readJson(res)).toEqual({
      statusCode: 500,
      code: 'INTERNAL',
      message: 'Internal server error',
      requestId: 'crash-1',
    });
  });

  it('sets security headers', async () => {
    const res = await fetch(`${t.baseUrl}/api/v1/system/info`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('strict-transport-security')).toContain('max-age=');
  });

  it('allows CORS only for configured origins', async () => {
    const preflight = (origin: string): Promise<Response> =>
      fetch(`${t.baseUrl}/api/v1/system/info`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const denied = await preflight('https://evil.example.net');
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves Swagger UI at /docs and the document at /docs-json', async () => {
    const ui = await fetch(`${t.baseUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    const doc = await readJson(await fetch(`${t.baseUrl}/docs-json`));
    expect(Object.keys(doc.paths as object)).toEqual(expect.arrayContaining(['/api/v1/system/info', '/health/ready']));
  });

  it('exposes Prometheus metrics with request counts by route and queue depths', async () => {
    await fetch(`${t.baseUrl}/api/v1/system/info`);
    const res = await fetch(`${t.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/v1\/system\/info",status="200"\} \d+/);
    expect(text).toContain('http_request_duration_seconds_bucket');
    expect(text).toMatch(/queue_jobs\{queue="system",state="waiting"\} \d+/);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('answers liveness without dependency checks', async () => {
    const { data, response } = await t.api.GET('/health/live');
    expect(response.status).toBe(200);
    expect(data?.status).toBe('ok');
  });
});
