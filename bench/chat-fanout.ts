/**
 * `npm run bench:chat-fanout` — issue #6: delivery latency of one chat message to BENCH_SOCKETS sockets (default
 * 1 000) in one conversation, against a bare socket.io broadcast to as many sockets, in the same run.
 *
 * Switchboard (BENCH_NODES instances in process, default 2, on one real PostgreSQL and Redis, Redis adapter):
 * BENCH_USERS members of one group conversation with BENCH_SOCKETS / BENCH_USERS sockets each on `/chat` (tabs),
 * spread over the nodes; a message is sent to the first node with
 * `POST /chat/conversations/{id}/messages` and timed from the request to its `message.created` on every socket
 * (HTTP, auth, validation, transaction, commit, Redis publish, adapter fan-out). Bare: a plain socket.io server, the
 * same number of sockets in one room; a client emits `send` and the server broadcasts it to the room; timed from the
 * emit to each socket's receipt. BENCH_MESSAGES messages each, one at a time.
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MikroORM } from '@mikro-orm/postgresql';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { createHttpApp } from 'src/bootstrap';
import { validateEnv } from 'src/config/env.schema';
import { Membership, OrgRole } from 'src/modules/organizations/membership.entity';
import { localSecrets, startPostgres, startRedis } from '../scripts/local/services';

const ROOT = join(__dirname, '..', '..');
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 1000);
const USERS = Number(process.env.BENCH_USERS ?? 50);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 30);
const NODES = Number(process.env.BENCH_NODES ?? 2);

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
 * got it. Returns every socket's latency (ms), sorted.
 */
async function measure(sockets: Socket[], event: string, send: (tag: string) => Promise<void>): Promise<number[]> {
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
  return latencies.sort((a, b) => a - b);
}

async function bare(): Promise<number[]> {
  const http = createServer();
  const server = new Server(http);
  server.on('connection', (socket) => {
    void socket.join('room');
    socket.on('send', (body: string) => server.to('room').emit('message', { body }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  const sockets = await connectMany(SOCKETS, () => connect(url));
  const sender = await connect(url);
  try {
    return await measure(sockets, 'message', (tag) => {
      sender.emit('send', tag);
      return Promise.resolve();
    });
  } finally {
    [sender, ...sockets].forEach((s) => s.disconnect());
    await server.close();
  }
}

async function switchboard(env: Record<string, string | undefined>): Promise<number[]> {
  // NODES instances on the same PostgreSQL and Redis, like a cluster: messages are posted to the first, sockets are
  // spread over all, so most deliveries cross nodes through the Redis adapter.
  const apps = [];
  for (let i = 0; i < NODES; i++) {
    const node = await createHttpApp(
      validateEnv({
        ...env,
        LOG_LEVEL: 'silent',
        RATE_LIMIT_MAX: '100000000',
        AUTH_RATE_LIMIT_MAX: '100000000',
        LOCKOUT_IP_THRESHOLD: '100000000',
        PORT: '0',
      }),
    );
    await node.listen(0, '127.0.0.1');
    apps.push(node);
  }
  const urls = apps.map((node) => `http://127.0.0.1:${(node.getHttpServer().address() as { port: number }).port}`);
  const [app] = apps;
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
    const em = app.get<MikroORM>(MikroORM).em.fork();
    for (const user of others) {
      em.create(Membership, { organization: org.id, user: user.id, role: OrgRole.Member });
    }
    await em.flush();
    const conversation = await json<{ id: string }>(
      '/api/v1/chat/conversations',
      { type: 'group', title: 'Everyone', memberIds: others.map((u) => u.id) },
      owner.token,
      org.id,
    );
    sockets.push(...(await connectMany(SOCKETS, (i) => connect(`${urls[i % NODES]}/chat`, users[i % USERS].token))));
    return await measure(sockets, 'message.created', async (tag) => {
      await json(`/api/v1/chat/conversations/${conversation.id}/messages`, { body: tag }, owner.token, org.id);
    });
  } finally {
    sockets.forEach((s) => s.disconnect());
    await Promise.all(apps.map((node) => node.close()));
  }
}

async function main(): Promise<void> {
  const [pg, redis] = await Promise.all([startPostgres({ ephemeral: true }), startRedis()]);
  try {
    const env = { ...process.env, DATABASE_URL: pg.url, REDIS_URL: redis.url, ...localSecrets() };
    execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'database-cli.js'), 'up'], { env, stdio: 'ignore' });
    const bareLatencies = await bare();
    const ours = await switchboard(env);
    process.stdout.write(
      `\nchat fan-out: ${MESSAGES} messages to ${SOCKETS} sockets (${USERS} users) in one conversation, ${NODES} Switchboard nodes, one machine\n\n`,
    );
    for (const [name, sorted] of [
      ['bare socket.io broadcast (emit → every socket)', bareLatencies],
      ['Switchboard (POST message → every socket)', ours],
    ] as const) {
      process.stdout.write(
        `${name.padEnd(48)} p50 ${percentile(sorted, 0.5).toFixed(1).padStart(7)} ms   p99 ${percentile(sorted, 0.99).toFixed(1).padStart(7)} ms\n`,
      );
    }
    process.stdout.write(
      `\nratio Switchboard / bare: p50 ${(percentile(ours, 0.5) / percentile(bareLatencies, 0.5)).toFixed(2)}×, p99 ${(percentile(ours, 0.99) / percentile(bareLatencies, 0.99)).toFixed(2)}×\n`,
    );
  } finally {
    await Promise.all([pg.stop(), redis.stop()]);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
    process.exit(1);
  },
);
