import { startRedis, type RunningService } from '../../scripts/local/services';
import { eventually, startTestApp, type TestApp } from '../support/test-app';

describe('readiness', () => {
  let redis: RunningService;
  let t: TestApp;

  beforeAll(async () => {
    // A Redis of this test's own, so stopping it does not disturb the others.
    redis = await startRedis();
    t = await startTestApp({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  const ready = async (): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${t.baseUrl}/health/ready`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('is 200 with the database and Redis up', async () => {
    const { status, body } = await ready();
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('turns 503 naming Redis when it stops, and recovers when it is back', async () => {
    const port = redis.port;
    await redis.stop();

    const down = await eventually(
      async () => {
        const r = await ready();
        return r.status === 503 ? r : undefined;
      },
      10_000,
      'readiness to fail',
    );
    expect(down.body).toMatchObject({
      statusCode: 503,
      code: 'SERVICE_UNAVAILABLE',
      message: 'Not ready: redis down',
      details: { database: { status: 'up' }, redis: { status: 'down' } },
    });
    // Liveness does not depend on Redis: the process itself is fine.
    expect((await fetch(`${t.baseUrl}/health/live`)).status).toBe(200);

    redis = await startRedis({ port });
    const up = await eventually(
      async () => {
        const r = await ready();
        return r.status === 200 ? r : undefined;
      },
      15_000,
      'readiness to recover',
    );
    expect(up.body).toMatchObject({ status: 'ok' });
  });
});
