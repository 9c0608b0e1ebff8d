import { SfuWorkerPool } from 'src/modules/meetings/sfu/sfu-worker-pool.service';
import { createTeam } from '../support/chat-fixtures';
import { startBrowserHarness, type BrowserHarness, type BrowserParticipant } from '../support/browser/browser-harness';
import type { ConsumerStats, JoinSummary, LocalProducer } from '../support/browser/meeting-page.types';
import { eventually, startTestApp, type TestApp, type TestUser } from '../support/test-app';

/**
 * Meetings end to end in real browsers: headless Chromium tabs with fake camera and microphone run the test page
 * (mediasoup-client + socket.io-client, test/support/browser/page) against the app's `/meetings` signalling and
 * the real mediasoup worker, and the assertions read WebRTC's own statistics. The scenarios build on each other:
 * one meeting, joined by its host and a participant, then a late third participant, a host mute, and everyone leaving.
 */
describe('meetings in Chromium: mediasoup-client over /meetings', () => {
  let t: TestApp;
  let browser: BrowserHarness;
  let orgId: string;
  let meetingId: string;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;

  /** A participant in the meeting: its tab, what `join` answered, and what it produces. */
  interface Joined {
    tab: BrowserParticipant;
    join: JoinSummary;
    producers: LocalProducer[];
  }
  let host: Joined;
  let member: Joined;
  let late: Joined;

  const routers = (): number =>
    t.app
      .get(SfuWorkerPool)
      .stats()
      .reduce((sum, s) => sum + s.routers, 0);
  const ids = (...participants: Joined[]): string[] =>
    participants.flatMap((p) => p.producers.map((producer) => producer.producerId));
  const producerOf = (p: Joined, kind: 'audio' | 'video'): string =>
    p.producers.find((producer) => producer.kind === kind)!.producerId;
  const statsOf = (stats: ConsumerStats[], producerId: string): ConsumerStats =>
    stats.find((s) => s.producerId === producerId)!;

  async function joinToken(user: TestUser): Promise<string> {
    const { data, error } = await user.api.POST('/api/v1/video/meetings/{id}/join-token', {
      params: { header: { 'X-Organization-Id': orgId }, path: { id: meetingId } },
    });
    if (!data) {
      throw new Error(`join-token failed: ${JSON.stringify(error)}`);
    }
    return data.token;
  }

  async function enter(user: TestUser, name: string): Promise<Joined> {
    const tab = await browser.participant(name);
    const join = await tab.call('join', { baseUrl: t.baseUrl, token: await joinToken(user), displayName: name });
    const producers = await tab.call('produce', { audio: true, video: true, simulcast: true });
    return { tab, join, producers };
  }

  beforeAll(async () => {
    browser = await startBrowserHarness();
    t = await startTestApp({ MEDIASOUP_WORKERS: '1' });
    const team = await createTeam(t, 3, 'Browser meet');
    orgId = team.orgId;
    [alice, bob, carol] = team.users;
    const { data, error } = await alice.api.POST('/api/v1/video/meetings', {
      params: { header: { 'X-Organization-Id': orgId } },
      body: { title: 'Browser e2e', invitees: { userIds: [bob.id, carol.id] } },
    });
    if (!data) {
      throw new Error(`create meeting failed: ${JSON.stringify(error)}`);
    }
    meetingId = data.id;
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('serves the bundled client, and Chromium gives it a fake camera and microphone', async () => {
    const tab = await browser.participant('probe');
    const media = await tab.call('probeMedia');
    expect(media.audio).toEqual([expect.stringMatching(/^audio:live:/)]);
    expect(media.video).toEqual([expect.stringMatching(/^video:live:/)]);
    expect(media.videoSettings).toEqual({ width: 640, height: 360 });
    expect(media.handlerName).toBe('Chrome111');
    expect(tab.pageErrors).toEqual([]);
    await tab.page.close();
  });

  it('host and participant join one meeting and each receives the other’s audio and video', async () => {
    expect(routers()).toBe(0);
    host = await enter(alice, 'Alice');
    expect(host.join).toMatchObject({ meetingId, role: 'host', waiting: false, peers: [], handlerName: 'Chrome111' });
    expect(host.producers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'audio', source: 'mic', encodings: 1 }),
        expect.objectContaining({ kind: 'video', source: 'webcam', encodings: 3 }),
      ]),
    );
    expect(routers()).toBe(1);

    member = await enter(bob, 'Bob');
    expect(member.join.role).toBe('participant');
    // Bob learns Alice's producers from the join answer; Alice learns Bob's from newProducer.
    expect(member.join.peers).toEqual([
      expect.objectContaining({
        peerId: host.join.peerId,
        displayName: 'Alice',
        producers: expect.arrayContaining(host.producers.map((p) => ({ producerId: p.producerId, kind: p.kind }))),
      }),
    ]);
    await host.tab.waitForEvent(
      'peerJoined',
      (peer) => peer.peerId === member.join.peerId && peer.displayName === 'Bob',
    );

    const atHost = await host.tab.waitForFlowingMedia(ids(member));
    const atGuest = await member.tab.waitForFlowingMedia(ids(host));
    for (const [stats, from] of [
      [atHost, member],
      [atGuest, host],
    ] as const) {
      expect(statsOf(stats, producerOf(from, 'audio'))).toMatchObject({ kind: 'audio', peerId: from.join.peerId });
      const video = statsOf(stats, producerOf(from, 'video'));
      expect(video).toMatchObject({ kind: 'video', type: 'simulcast', peerId: from.join.peerId });
      expect(video.framesDecoded).toBeGreaterThan(0);
    }
    // The senders really send: the webcam as simulcast encodings.
    const sent = await host.tab.call('producerStats');
    expect(sent.every((p) => p.bytesSent > 0)).toBe(true);
    expect((await host.tab.call('state')).errors).toEqual([]);
    expect((await member.tab.call('state')).errors).toEqual([]);
  });

  it('a participant joining late receives everyone, and everyone receives it', async () => {
    late = await enter(carol, 'Carol');
    expect(late.join.peers.map((p) => p.peerId).sort()).toEqual([host.join.peerId, member.join.peerId].sort());

    await late.tab.waitForFlowingMedia(ids(host, member));
    await host.tab.waitForFlowingMedia(ids(late));
    await member.tab.waitForFlowingMedia(ids(late));
    expect(routers()).toBe(1);
    for (const p of [host, member, late]) {
      expect((await p.tab.call('state')).errors).toEqual([]);
    }
  });

  it('audio levels and the active speaker reach every page', async () => {
    // Chromium's fake microphone beeps: the SFU's observers report it from the RTP audio-level extension.
    const mics = [host, member, late].map((p) => producerOf(p, 'audio'));
    for (const p of [host, member, late]) {
      const levels = await p.tab.waitForEvent(
        'audioLevels',
        (e: { levels: { producerId: string; volume: number }[] }) => e.levels.some((l) => mics.includes(l.producerId)),
      );
      const entry = (levels.payload as { levels: { producerId: string; peerId: string; volume: number }[] }).levels[0];
      expect(entry.volume).toBeGreaterThanOrEqual(-127);
      expect(entry.volume).toBeLessThanOrEqual(0);
      expect([host, member, late].map((x) => x.join.peerId)).toContain(entry.peerId);
      // The dominant speaker: in the join answer when someone already spoke, then as it changes.
      if (!p.join.activeSpeaker || !mics.includes(p.join.activeSpeaker.producerId)) {
        await p.tab.waitForEvent('activeSpeaker', (e: { producerId: string }) => mics.includes(e.producerId));
      }
    }
  });

  it('a simulcast consumer switches to the spatial layer it prefers', async () => {
    const webcam = producerOf(member, 'video');
    const consumer = statsOf(await host.tab.call('consumerStats'), webcam);
    const answer = await host.tab.call('request', 'setPreferredLayers', {
      consumerId: consumer.consumerId,
      spatialLayer: 0,
    });
    expect(answer).toEqual({ ok: true, answer: {} });
    await host.tab.waitForEvent(
      'consumerLayersChanged',
      (e) => e.consumerId === consumer.consumerId && e.spatialLayer === 0,
    );
    // The smallest of the three encodings (scaleResolutionDownBy 4 of 640×360) is what the page now decodes.
    await eventually(
      async () => (statsOf(await host.tab.call('consumerStats'), webcam).frameWidth === 160 ? true : undefined),
      20_000,
      'the host decoding the 160-pixel layer',
    );
    await host.tab.waitForFlowingMedia([webcam]);
  });

  it('the host mutes a participant: the others see its microphone paused by the host, and its audio stops', async () => {
    const mic = producerOf(member, 'audio');
    const muted = await host.tab.call('request', 'mutePeer', { peerId: member.join.peerId, kind: 'audio' });
    expect(muted).toEqual({ ok: true, answer: { producerIds: [mic] } });

    await member.tab.waitForEvent(
      'mutedByHost',
      (e) => e.kind === 'audio' && (e.producerIds as string[]).includes(mic),
    );
    // The muted page paused its own producer too.
    expect((await member.tab.call('producers')).find((p) => p.producerId === mic)).toMatchObject({ paused: true });
    for (const other of [host, late]) {
      const event = await other.tab.waitForEvent('producerPaused', (e) => e.producerId === mic);
      expect(event.payload).toEqual({ peerId: member.join.peerId, producerId: mic, byHost: true });
    }

    // No more audio from Bob reaches Carol, while his video goes on.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const before = statsOf(await late.tab.call('consumerStats'), mic);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const after = statsOf(await late.tab.call('consumerStats'), mic);
    expect(after.producerPaused).toBe(true);
    expect(after.bytesReceived).toBe(before.bytesReceived);
    await late.tab.waitForFlowingMedia([producerOf(member, 'video')]);

    // Only the host may mute.
    const refused = await member.tab.call('request', 'mutePeer', { peerId: host.join.peerId });
    expect(refused).toMatchObject({ ok: false, code: 'MEETING_HOST_REQUIRED' });
  });

  it('when the SFU worker dies, every page reconnects its media to the new router and receives again', async () => {
    const pool = t.app.get(SfuWorkerPool);
    const [victim] = pool.stats().filter((s) => s.routers === 1);
    process.kill(victim.pid, 'SIGKILL');
    const everyone = [host, member, late];
    for (const p of everyone) {
      const event = await p.tab.waitForEvent('mediaReconnect');
      expect(event.payload).toMatchObject({ reason: 'sfu-restart', routerRtpCapabilities: expect.any(Object) });
    }
    // Each page produced again on new transports: new producer ids, which the others consume as newProducer.
    for (const p of everyone) {
      const before = new Set(ids(p));
      p.producers = await eventually(
        async () => {
          const now = await p.tab.call('producers');
          return now.length === 2 && now.every((x) => !before.has(x.producerId)) ? now : undefined;
        },
        20_000,
        `${p.tab.name}: producing again`,
      );
    }
    // Bob's microphone stays muted: his page pauses it again on the new router, and the others see that.
    const mic = producerOf(member, 'audio');
    for (const other of [host, late]) {
      await other.tab.waitForEvent('producerPaused', (e) => e.producerId === mic);
    }
    expect((await member.tab.call('producers')).find((p) => p.producerId === mic)).toMatchObject({ paused: true });
    const flowing = (...from: Joined[]): string[] => ids(...from).filter((id) => id !== mic);
    await host.tab.waitForFlowingMedia(flowing(member, late));
    await member.tab.waitForFlowingMedia(flowing(host, late));
    await late.tab.waitForFlowingMedia(flowing(host, member));
    expect(routers()).toBe(1);
    for (const p of everyone) {
      expect((await p.tab.call('state')).errors).toEqual([]);
    }
  });

  it('when everyone has left, the meeting’s router is closed', async () => {
    await late.tab.call('leave');
    for (const other of [host, member]) {
      await other.tab.waitForEvent('peerLeft', (e) => e.peerId === late.join.peerId);
      // Its consumers of Carol's media are gone (producerClosed or consumerClosed closed them in the page).
      await eventually(
        async () => {
          const stats = (await other.tab.call('consumerStats')).filter((s) => ids(late).includes(s.producerId));
          return stats.length === 2 && stats.every((s) => s.closed) ? true : undefined;
        },
        15_000,
        `${other.tab.name}: consumers of Carol closed`,
      );
    }
    expect(routers()).toBe(1);
    await member.tab.call('leave');
    await host.tab.waitForEvent('peerLeft', (e) => e.peerId === member.join.peerId);
    expect(routers()).toBe(1);
    await host.tab.call('leave');
    for (const p of [host, member, late]) {
      expect((await p.tab.call('state')).connected).toBe(false);
    }
    await eventually(() => (routers() === 0 ? true : undefined), 15_000, 'the router to close');
  });
});
