/**
 * `npm run bench:chat-fanout` — issues #6 and #16: delivery latency of one chat message to BENCH_SOCKETS sockets
 * (default 1 000) in one conversation, against a bare socket.io broadcast to as many sockets, in the same run, with
 * the same nodes and the same Redis adapter on both sides, so the ratio is Switchboard's own overhead.
 *
 * Each side runs BENCH_NODES server processes (default 2, as a cluster would), on one Redis; this process holds the
 * client sockets, spread over the nodes, and times every delivery (one clock).
 *
 * - Switchboard: `dist/src/main.js` with APP_ROLE=api, NODE_ENV=production, logs off, on one real PostgreSQL and
 *   Redis. BENCH_USERS members of one group conversation with BENCH_SOCKETS / BENCH_USERS sockets each on `/chat`
 *   (tabs); a message is sent to the first node with `POST /chat/conversations/{id}/messages` and timed from the
 *   request to its `message.created` on every socket (HTTP, auth, validation, transaction, commit, Redis publish,
 *   adapter fan-out).
 * - Bare: bench/bare-fanout-server.ts, plain socket.io servers joined by `@socket.io/redis-adapter`; a client of the
 *   first node emits `send` and that node broadcasts a payload of the size and shape of `message.created` to the
 *   room; timed from the emit to each socket's receipt.
 *
 * BENCH_MESSAGES messages each (default 30), one at a time. Besides latencies it prints the CPU time each side's
 * servers spent per message. BENCH_PROFILE=1 runs the first node of each side under `--cpu-prof` (bench/.profiles/)
 * and prints its top frames.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { freePort, startPostgres, startRedis } from '../scripts/local/services';
import { summariseProfile } from './cpu-profile';
import { cutProfile, monotonicUs, processCpuMs } from './profile-window';
import { addMembers, benchEnv, migrate, runBench, startNodeServer } from './servers';

const ROOT = join(__dirname, '..', '..');
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 1000);
const USERS = Number(process.env.BENCH_USERS ?? 50);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 30);
const NODES = Number(process.env.BENCH_NODES ?? 2);
const PROFILE = process.env.BENCH_PROFILE === '1';
const PROFILE_DIR = join(ROOT, 'bench', '.profiles');

interface Side {
  name: string;
  latencies: number[];
  /** CPU time of all of the side's server processes per message, ms. */
  serverCpuMs: number;
  /** When the messages were sent, in µs of the monotonic clock V8's profiles use. */
  window: [number, number];
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

function connect(url: string, token?: string): Promise<Socket> {
  const socket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(token ? { auth: { token } } : {}),
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** Connects `count` sockets, 50 at a time (a burst of 1 000 handshakes would be a benchmark of its own). */
async function connectMany(count: number, open: (i: number) => Promise<Socket>): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 50) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, k) => open(i + k)))));
  }
  return sockets;
}

/**
 * Sends MESSAGES messages one at a time, each carrying a unique tag in its body; a message is done when every socket
 * got it. Returns every socket's latency (ms), sorted, and the servers' CPU time per message.
 */
async function measure(
  servers: ChildProcess[],
  sockets: Socket[],
  event: string,
  send: (tag: string) => Promise<void>,
): Promise<Omit<Side, 'name'>> {
  const latencies: number[] = [];
  let waiting: { tag: string; started: number; left: number; done: () => void } | undefined;
  for (const socket of sockets) {
    socket.on(event, (payload: { body?: string }) => {
      if (waiting && payload.body === waiting.tag) {
        latencies.push(performance.now() - waiting.started);
        waiting.left -= 1;
        if (waiting.left === 0) {
          waiting.done();
        }
      }
    });
  }
  const cpu = (): number => servers.reduce((sum, child) => sum + processCpuMs(child.pid!), 0);
  const before = cpu();
  const start = monotonicUs();
  for (let n = 0; n < MESSAGES; n++) {
    const tag = `fanout ${n} ${Math.random().toString(36).slice(2)}`;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`message ${n} reached ${sockets.length - waiting!.left} sockets`)),
        30_000,
      );
      waiting = {
        tag,
        started: performance.now(),
        left: sockets.length,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      send(tag).catch(reject);
    });
  }
  const serverCpuMs = (cpu() - before) / MESSAGES;
  return { latencies: latencies.sort((a, b) => a - b), serverCpuMs, window: [start, monotonicUs()] };
}

/** Starts NODES servers of one side; with BENCH_PROFILE=1 the first one under `--cpu-prof` into `profileDir`. */
async function startNodes(
  script: string,
  env: NodeJS.ProcessEnv,
  readyPath: string,
  profileDir: string,
): Promise<{ children: ChildProcess[]; urls: string[] }> {
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  for (let i = 0; i < NODES; i++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const nodeArgs = PROFILE && i === 0 ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    children.push(
      await startNodeServer(script, { ...env, PORT: String(port) }, `${url}${readyPath}`, {
        nodeArgs,
        timeoutMs: 60_000,
      }),
    );
    urls.push(url);
  }
  return { children, urls };
}

/**
 * Stops the servers (a profile is written at exit) and prints the first node's profile when there is one, cut to
 * `window` (the messages, not the setup: registrations and 1 000 handshakes would drown them).
 */
async function stopNodes(
  name: string,
  children: ChildProcess[],
  profileDir: string,
  window: [number, number] | undefined,
): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    }),
  );
  const [file] = PROFILE ? readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')) : [];
  if (file && window) {
    const cut = join(profileDir, 'messages.cpuprofile.json');
    writeFileSync(cut, JSON.stringify(cutProfile(JSON.parse(readFileSync(join(profileDir, file), 'utf8')), window)));
    process.stdout.write(`\n${name}, node 1, while the messages were sent: ${cut}\n${summariseProfile(cut)}\n`);
  }
}

function profileDir(name: string): string {
  const dir = join(PROFILE_DIR, `chat-fanout-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function bare(env: NodeJS.ProcessEnv): Promise<Side> {
  const dir = profileDir('bare');
  const { children, urls } = await startNodes(join(ROOT, 'dist', 'bench', 'bare-fanout-server.js'), env, '/ready', dir);
  const sockets: Socket[] = [];
  let window: [number, number] | undefined;
  try {
    sockets.push(...(await connectMany(SOCKETS, (i) => connect(urls[i % NODES]))));
    const sender = await connect(urls[0]);
    sockets.push(sender);
    const result = await measure(children, sockets.slice(0, -1), 'message', (tag) => {
      sender.emit('send', tag);
      return Promise.resolve();
    });
    window = result.window;
    return { name: `bare socket.io, ${NODES} nodes + Redis adapter (emit → every socket)`, ...result };
  } finally {
    sockets.forEach((s) => s.disconnect());
    await stopNodes('bare', children, dir, window);
  }
}

async function switchboard(env: NodeJS.ProcessEnv, databaseUrl: string): Promise<Side> {
  const dir = profileDir('switchboard');
  const { children, urls } = await startNodes(join(ROOT, 'dist', 'src', 'main.js'), env, '/health/ready', dir);
  const [base] = urls;
  const json = async <T>(path: string, body: unknown, token?: string, orgId?: string): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(orgId ? { 'x-organization-id': orgId } : {}),
      },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) {
      throw new Error(`${path}: ${res.status} ${await res.text()}`);
    }
    return (await res.json()) as T;
  };
  const sockets: Socket[] = [];
  let window: [number, number] | undefined;
  try {
    const users: { id: string; token: string }[] = [];
    for (let i = 0; i < USERS; i++) {
      const registered = await json<{ accessToken: string; user: { id: string } }>('/api/v1/auth/register', {
        email: `fan${i}@example.com`,
        username: `fan${i}`,
        password: 'Correct-Horse-9',
      });
      users.push({ id: registered.user.id, token: registered.accessToken });
    }
    const [owner, ...others] = users;
    const org = await json<{ id: string }>('/api/v1/organizations', { name: 'Fan-out' }, owner.token);
    await addMembers(
      databaseUrl,
      org.id,
      others.map((u) => u.id),
    );
    const conversation = await json<{ id: string }>(
      '/api/v1/chat/conversations',
      { type: 'group', title: 'Everyone', memberIds: others.map((u) => u.id) },
      owner.token,
      org.id,
    );
    sockets.push(...(await connectMany(SOCKETS, (i) => connect(`${urls[i % NODES]}/chat`, users[i % USERS].token))));
    const result = await measure(children, sockets, 'message.created', async (tag) => {
      await json(`/api/v1/chat/conversations/${conversation.id}/messages`, { body: tag }, owner.token, org.id);
    });
    window = result.window;
    return { name: 'Switchboard (POST message → every socket)', ...result };
  } finally {
    sockets.forEach((s) => s.disconnect());
    await stopNodes('switchboard', children, dir, window);
  }
}

async function main(): Promise<void> {
  const [pg, redis] = await Promise.all([startPostgres({ ephemeral: true }), startRedis()]);
  try {
    const env = benchEnv(
      { pg, redis },
      { LOG_LEVEL: 'silent', AUTH_RATE_LIMIT_MAX: '100000000', LOCKOUT_IP_THRESHOLD: '100000000' },
    );
    migrate(env);
    const sides = [await bare(env), await switchboard(env, pg.url)];
    process.stdout.write(
      `\nchat fan-out: ${MESSAGES} messages to ${SOCKETS} sockets (${USERS} users) in one conversation, ${NODES} server processes per side on one Redis, clients in a process of their own, one machine\n\n`,
    );
    for (const { name, latencies, serverCpuMs } of sides) {
      process.stdout.write(
        `${name.padEnd(60)} p50 ${percentile(latencies, 0.5).toFixed(1).padStart(7)} ms   p99 ${percentile(latencies, 0.99).toFixed(1).padStart(7)} ms   server CPU ${serverCpuMs.toFixed(1).padStart(6)} ms/message\n`,
      );
    }
    const [base, ours] = sides.map((side) => side.latencies);
    const p99 = percentile(ours, 0.99) / percentile(base, 0.99);
    process.stdout.write(
      `\nratio Switchboard / bare: p50 ${(percentile(ours, 0.5) / percentile(base, 0.5)).toFixed(2)}×, p99 ${p99.toFixed(2)}× (target ≤ 1.50×) — ${p99 <= 1.5 ? 'within target' : 'OVER target'}\n`,
    );
  } finally {
    await Promise.all([pg.stop(), redis.stop()]);
  }
}

runBench(main);
