import {
  SfuUnavailableError,
  SfuWorkerPool,
  type WorkerDiedEvent,
} from 'src/modules/meetings/sfu/sfu-worker-pool.service';
import { eventually, startTestApp, type TestApp } from '../support/test-app';

/** The mediasoup worker pool on the real worker binary (built and cached by scripts/mediasoup-worker.sh). */
describe('sfu: mediasoup worker pool', () => {
  let t: TestApp;
  let pool: SfuWorkerPool;

  beforeAll(async () => {
    t = await startTestApp({
      MEDIASOUP_WORKERS: '2',
      MEDIASOUP_ANNOUNCED_IP: '203.0.113.7',
      MEDIASOUP_RTC_MIN_PORT: '45000',
      MEDIASOUP_RTC_MAX_PORT: '45100',
    });
    pool = t.app.get(SfuWorkerPool);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('spreads routers over the workers and gives transports the announced address and port range', async () => {
    const first = await pool.createRouter({ meetingId: 'a' });
    const second = await pool.createRouter({ meetingId: 'b' });
    const stats = pool.stats();
    expect(stats).toHaveLength(2);
    expect(stats.map((s) => s.routers)).toEqual([1, 1]);
    expect(new Set(stats.map((s) => s.pid)).size).toBe(2);

    const mimeTypes = first.rtpCapabilities.codecs!.map((c) => c.mimeType);
    expect(mimeTypes).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));

    const transport = await pool.createWebRtcTransport(first);
    expect(transport.iceCandidates.length).toBeGreaterThan(0);
    for (const candidate of transport.iceCandidates) {
      expect(candidate.ip).toBe('203.0.113.7');
      expect(candidate.port).toBeGreaterThanOrEqual(45000);
      expect(candidate.port).toBeLessThanOrEqual(45100);
    }
    expect(transport.dtlsParameters.fingerprints.length).toBeGreaterThan(0);
    first.close();
    second.close();
    await eventually(() => (pool.stats().every((s) => s.routers === 0) ? true : undefined));
  });

  it('replaces a killed worker and reports the routers it took down', async () => {
    const router = await pool.createRouter();
    const victim = pool.stats().find((s) => s.routers === 1)!;
    const died = new Promise<WorkerDiedEvent>((resolve) => pool.once('died', resolve));
    process.kill(victim.pid, 'SIGKILL');
    const event = await died;
    expect(event).toMatchObject({ slot: victim.slot, pid: victim.pid, routerIds: [router.id] });
    expect(router.closed).toBe(true);
    const after = pool.stats();
    expect(after).toHaveLength(2);
    expect(after.find((s) => s.slot === victim.slot)!.pid).not.toBe(victim.pid);
    const again = await pool.createRouter();
    expect(again.closed).toBe(false);
    again.close();
  });

  it('says how to get a worker when the binary is missing', async () => {
    const other = await startTestApp({ MEDIASOUP_WORKER_BIN: '/nonexistent/mediasoup-worker' });
    try {
      const missing = other.app.get(SfuWorkerPool).createRouter();
      await expect(missing).rejects.toBeInstanceOf(SfuUnavailableError);
      await expect(missing).rejects.toThrow(/scripts\/mediasoup-worker\.sh|MEDIASOUP_WORKER_BIN/);
    } finally {
      await other.close();
    }
  });
});
