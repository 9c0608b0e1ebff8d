/**
 * `npm run bench:sfu` — issue #7: CPU of one mediasoup worker per consumer, at BENCH_CONSUMERS consumers (default
 * 10, 50, 100) of one synthetic video producer, next to mediasoup's published guidance (~500 consumers per worker).
 *
 * One worker (SfuWorkerPool with MEDIASOUP_WORKERS=1, the binary scripts/mediasoup-worker.sh cached), one router with
 * the meetings' codecs. The producer: a PlainTransport (comedia, rtcpMux) producing VP8, fed by an RTP sender in this
 * process over UDP — 30 frames/s at ~800 kbit/s, packets of up to 1 200 bytes of payload, a key frame every 2 s (VP8
 * payload descriptors, so mediasoup sees real key frames and starts its consumers on them). The consumers: one
 * PlainTransport each (comedia off, connected to one local UDP sink that counts RTP bytes per consumer SSRC). For
 * each N (and N = 0, the producer alone, as the baseline) the consumers are created and resumed, warmed up, and the
 * worker's CPU (utime + stime of /proc/<pid>/stat) is read over BENCH_SECONDS (default 10). WebRTC transports would
 * add SRTP encryption per consumer packet (and DTLS/ICE), so a browser consumer costs somewhat more than these.
 */
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { types as ms } from 'mediasoup';
import { AppConfigService } from 'src/config/app-config.service';
import { validateEnv } from 'src/config/env.schema';
import { SfuWorkerPool } from 'src/modules/meetings/sfu/sfu-worker-pool.service';

const COUNTS = (process.env.BENCH_CONSUMERS ?? '10,50,100')
  .split(',')
  .map((n) => Number(n.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_MS = 3_000;
const BITRATE = 800_000;
const FPS = 30;
const KEYFRAME_EVERY = 2 * FPS;
const MAX_PAYLOAD = 1_200;
const SSRC = 0x1234_5678;
const PAYLOAD_TYPE = 101;
/** mediasoup's guidance: "a mediasoup C++ subprocess can typically handle over ~500 consumers in total". */
const GUIDANCE_PER_CORE = 500;
const SINK_BUFFER = 4 * 1024 * 1024;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const out = (line = '') => process.stdout.write(`${line}\n`);

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", state is field 3; utime and stime are fields 14 and 15.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/**
 * Sends VP8 over RTP to `port`: FPS frames per second, ~BITRATE bits per second, a key frame every KEYFRAME_EVERY
 * frames (four times the size of a delta frame), each frame split into packets of at most MAX_PAYLOAD bytes sent in
 * one burst, as an encoder would.
 */
function startSender(port: number): { stop: () => void; socket: Socket } {
  const socket = createSocket('udp4');
  const perGop = (BITRATE / 8) * (KEYFRAME_EVERY / FPS);
  const deltaSize = Math.round(perGop / (KEYFRAME_EVERY - 1 + 4));
  const keySize = deltaSize * 4;
  const filler = Buffer.alloc(keySize, 0x5a);
  let seq = 0;
  let pictureId = 0;
  let frame = 0;
  const started = Date.now();
  const sendFrame = () => {
    const key = frame % KEYFRAME_EVERY === 0;
    let left = key ? keySize : deltaSize;
    const timestamp = (frame * (90_000 / FPS)) >>> 0;
    let first = true;
    while (left > 0) {
      const chunk = Math.min(left, MAX_PAYLOAD);
      left -= chunk;
      const header = Buffer.alloc(12);
      header[0] = 0x80;
      header[1] = (left === 0 ? 0x80 : 0) | PAYLOAD_TYPE;
      header.writeUInt16BE(seq & 0xffff, 2);
      header.writeUInt32BE(timestamp, 4);
      header.writeUInt32BE(SSRC, 8);
      // VP8 payload descriptor (RFC 7741): X, S on the first packet of the frame, partition 0; a 15-bit picture id.
      const descriptor = Buffer.from([
        0x80 | (first ? 0x10 : 0),
        0x80,
        0x80 | ((pictureId >> 8) & 0x7f),
        pictureId & 0xff,
      ]);
      let body = filler.subarray(0, chunk);
      if (first) {
        // VP8 frame header: P bit clear on key frames, which then carry the start code and 640x360.
        const frameHeader = key
          ? Buffer.from([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01])
          : Buffer.from([0x31, 0x02, 0x00]);
        body = Buffer.concat([frameHeader, filler.subarray(0, Math.max(0, chunk - frameHeader.length))]);
      }
      socket.send(Buffer.concat([header, descriptor, body]), port, '127.0.0.1');
      seq += 1;
      first = false;
    }
    pictureId = (pictureId + 1) & 0x7fff;
    frame += 1;
  };
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    // Catch up on frames that are due (timers drift under load), then wait for the next one.
    const due = Math.floor(((Date.now() - started) * FPS) / 1000);
    while (frame <= due) {
      sendFrame();
    }
    timer = setTimeout(tick, Math.max(1, started + (frame * 1000) / FPS - Date.now()));
  };
  tick();
  return { socket, stop: () => clearTimeout(timer) };
}

/** One UDP socket all consumers send to; counts RTP bytes (RTCP aside) per SSRC. */
async function startSink(): Promise<{ socket: Socket; port: number; bytes: Map<number, number> }> {
  const socket = createSocket('udp4');
  const bytes = new Map<number, number>();
  socket.on('message', (packet) => {
    if (packet.length < 12 || (packet[1] >= 192 && packet[1] <= 223)) {
      return;
    }
    const ssrc = packet.readUInt32BE(8);
    bytes.set(ssrc, (bytes.get(ssrc) ?? 0) + packet.length);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  // 100 consumers' key frames arrive as one burst of ~1 000 packets: the default buffer (~200 KB) would drop some.
  try {
    socket.setRecvBufferSize(SINK_BUFFER);
  } catch {
    // Capped by net.core.rmem_max; the delivered rate below then shows any loss.
  }
  return { socket, port: socket.address().port, bytes };
}

/** Sum of the consumers' outbound RTP bytes, as the worker counts them. */
async function sentBytes(consumers: ms.Consumer[]): Promise<number> {
  let total = 0;
  for (const consumer of consumers) {
    const stats = await consumer.getStats();
    total += stats.find((s) => s.type === 'outbound-rtp')?.byteCount ?? 0;
  }
  return total;
}

interface Row {
  consumers: number;
  cpuPercent: number;
  producerMbps: number;
  perConsumerMbps: number;
  minConsumerMbps: number;
  /** What the worker reports it sent (its consumers' outbound-rtp byteCount), per consumer. */
  sentPerConsumerMbps: number;
  starved: number;
  /** This process (RTP sender and sink), which shares the machine with the worker. */
  benchPercent: number;
}

async function main(): Promise<void> {
  const config = new AppConfigService(
    validateEnv({ ...process.env, MEDIASOUP_WORKERS: '1', MEDIASOUP_LISTEN_IP: '127.0.0.1' }, [
      'MEDIASOUP_WORKER_BIN',
      'MEDIASOUP_WORKER_CACHE',
      'MEDIASOUP_WORKERS',
      'MEDIASOUP_LISTEN_IP',
      'MEDIASOUP_ANNOUNCED_IP',
      'MEDIASOUP_RTC_MIN_PORT',
      'MEDIASOUP_RTC_MAX_PORT',
    ]),
  );
  const pool = new SfuWorkerPool(config);
  const router = await pool.createRouter({ bench: 'sfu' });
  const [{ pid }] = pool.stats();
  const sink = await startSink();

  const producerTransport = await router.createPlainTransport({
    listenIp: { ip: '127.0.0.1' },
    rtcpMux: true,
    comedia: true,
  });
  const producer = await producerTransport.produce({
    kind: 'video',
    rtpParameters: {
      codecs: [{ mimeType: 'video/VP8', clockRate: 90000, payloadType: PAYLOAD_TYPE }],
      encodings: [{ ssrc: SSRC }],
    },
  });
  const sender = startSender(producerTransport.tuple.localPort);
  const rows: Row[] = [];
  out(
    `bench:sfu — worker pid ${pid} (${pool.workerBin()}), ${cpus().length} CPUs, VP8 ${BITRATE / 1000} kbit/s ` +
      `${FPS} fps from a Node RTP sender, ${SECONDS} s per step`,
  );

  try {
    for (const n of [0, ...COUNTS]) {
      const transports: ms.PlainTransport[] = [];
      const ssrcs: number[] = [];
      const consumers: ms.Consumer[] = [];
      for (let i = 0; i < n; i++) {
        const transport = await router.createPlainTransport({
          listenIp: { ip: '127.0.0.1' },
          rtcpMux: true,
          comedia: false,
        });
        await transport.connect({ ip: '127.0.0.1', port: sink.port });
        const consumer = await transport.consume({
          producerId: producer.id,
          rtpCapabilities: router.rtpCapabilities,
          paused: true,
        });
        await consumer.resume();
        transports.push(transport);
        ssrcs.push(consumer.rtpParameters.encodings![0].ssrc!);
        consumers.push(consumer);
      }
      await sleep(WARMUP_MS);
      const producerBefore = (await producer.getStats())[0]?.byteCount ?? 0;
      const sentBefore = await sentBytes(consumers);
      const before = new Map(ssrcs.map((s) => [s, sink.bytes.get(s) ?? 0]));
      const cpuBefore = cpuSeconds(pid);
      const selfBefore = process.cpuUsage();
      const started = process.hrtime.bigint();
      await sleep(SECONDS * 1000);
      const cpuAfter = cpuSeconds(pid);
      const self = process.cpuUsage(selfBefore);
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      const producerAfter = (await producer.getStats())[0]?.byteCount ?? 0;
      const sentAfter = await sentBytes(consumers);
      const delivered = ssrcs.map((s) => (((sink.bytes.get(s) ?? 0) - before.get(s)!) * 8) / elapsed / 1e6);
      const row: Row = {
        consumers: n,
        cpuPercent: ((cpuAfter - cpuBefore) / elapsed) * 100,
        producerMbps: ((producerAfter - producerBefore) * 8) / elapsed / 1e6,
        perConsumerMbps: n ? delivered.reduce((a, b) => a + b, 0) / n : 0,
        minConsumerMbps: n ? Math.min(...delivered) : 0,
        sentPerConsumerMbps: n ? ((sentAfter - sentBefore) * 8) / elapsed / 1e6 / n : 0,
        starved: delivered.filter((mbps) => mbps === 0).length,
        benchPercent: ((self.user + self.system) / 1e6 / elapsed) * 100,
      };
      rows.push(row);
      out(
        `  N=${n}: worker ${row.cpuPercent.toFixed(1)} % of a core, producer in ${row.producerMbps.toFixed(2)} Mbit/s` +
          (n
            ? `, sent ${row.sentPerConsumerMbps.toFixed(2)} / delivered ${row.perConsumerMbps.toFixed(2)} Mbit/s per consumer (min ${row.minConsumerMbps.toFixed(2)})`
            : '') +
          `; sender + sink ${row.benchPercent.toFixed(1)} %`,
      );
      for (const transport of transports) {
        transport.close();
      }
      await sleep(500);
    }
  } finally {
    sender.stop();
    sender.socket.close();
    sink.socket.close();
    pool.onApplicationShutdown();
  }

  const [baseline] = rows;
  out();
  out(
    '| consumers | worker CPU (% of 1 core) | CPU per consumer (over N=0) | delivered per consumer | consumers per core at this rate | mediasoup guidance |',
  );
  out(
    '| --------- | ------------------------ | --------------------------- | ---------------------- | ------------------------------- | ------------------ |',
  );
  for (const row of rows) {
    const marginal = row.consumers ? (row.cpuPercent - baseline.cpuPercent) / row.consumers : 0;
    const perCore = marginal > 0 ? Math.floor(100 / marginal) : Infinity;
    out(
      `| ${row.consumers} | ${row.cpuPercent.toFixed(1)} % | ${row.consumers ? `${marginal.toFixed(3)} %` : '—'} | ` +
        `${row.consumers ? `${row.perConsumerMbps.toFixed(2)} Mbit/s` : `(producer ${row.producerMbps.toFixed(2)} Mbit/s in)`} | ` +
        `${row.consumers ? (Number.isFinite(perCore) ? `~${perCore}` : 'n/a') : '—'} | ~${GUIDANCE_PER_CORE} per worker |`,
    );
  }
  out();
  out(
    `mediasoup (https://mediasoup.org/documentation/v3/mediasoup/design/#limits-and-performance): "depending on the ` +
      `host CPU capabilities, a mediasoup C++ subprocess can typically handle over ~${GUIDANCE_PER_CORE} consumers in total".`,
  );
  out('Consumers here are PlainTransports (no SRTP): a WebRTC consumer also pays encryption per packet.');

  const starved = rows.reduce((sum, r) => sum + r.starved, 0);
  if (starved > 0) {
    process.stderr.write(`bench:sfu: ${starved} consumer(s) received no RTP at the sink\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
