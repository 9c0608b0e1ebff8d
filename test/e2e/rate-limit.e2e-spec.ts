import { readJson, startTestApp, type TestApp } from '../support/test-app';

const CLIENT = { 'x-forwarded-for': '203.0.113.7' };

describe('rate limiting (Redis-backed, shared by every node)', () => {
  let node1: TestApp;
  let node2: TestApp;

  beforeAll(async () => {
    // Requests come "from" an address of their own (behind a trusted proxy), so these counters and the
    // block they end in touch no other suite sharing this Redis.
    const settings = { RATE_LIMIT_MAX: '4', RATE_LIMIT_TTL_SECONDS: '60', TRUST_PROXY: 'true' };
    [node1, node2] = await Promise.all([startTestApp(settings), startTestApp(settings)]);
  });
  afterAll(() => Promise.all([node1.close(), node2.close()]));

  it('counts requests across two app instances and answers 429 with Retry-After', async () => {
    const statuses: number[] = [];
    for (const node of [node1, node2, node1, node2]) {
      const res = await fetch(`${node.baseUrl}/api/v1/system/info`, { headers: CLIENT });
      statuses.push(res.status);
      expect(res.headers.get('x-ratelimit-limit')).toBe('4');
    }
    expect(statuses).toEqual([200, 200, 200, 200]);

    const limited = await fetch(`${node2.baseUrl}/api/v1/system/info`, { headers: CLIENT });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await readJson(limited)).toEqual({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: 'Too many requests, retry later',
      requestId: limited.headers.get('x-request-id'),
    });
  });

  it('does not rate-limit health probes', async () => {
    for (let i = 0; i < 6; i++) {
      expect((await fetch(`${node1.baseUrl}/health/live`, { headers: CLIENT })).status).toBe(200);
    }
  });
});
