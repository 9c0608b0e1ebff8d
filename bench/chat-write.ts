/**
 * `npm run bench:chat-write` — issue #16: the chat write path under a steady load. Starts a throwaway PostgreSQL and
 * Redis, then posts chat messages at BENCH_RATE requests/s (default 50: a rate both sustain on these 2 cores, where
 * Switchboard falls behind at about 70–100) over at most BENCH_CONNECTIONS keep-alive connections (default 16) for
 * BENCH_SECONDS (default 30) to each server in turn, after a 3 s warm-up at the same rate, and prints throughput,
 * p50/p99 latency, the server's CPU per request and the ratios.
 *
 *   Switchboard: POST /api/v1/chat/conversations/{id}/messages by the owner of the organization (bearer token,
 *                X-Organization-Id) into a group conversation of four members (JWT verify, session check,
 *                organization guard, validation, membership, send rate in Redis, the transaction, realtime publish,
 *                `chat.message.created` webhook event); `dist/src/main.js` with APP_ROLE=api, NODE_ENV=production,
 *                JSON logs into /dev/null (BENCH_LOG_LEVEL, default info), the rate limits raised out of the way
 *   bare:        bench/bare-chat-write-server.ts, Fastify + node-postgres writing the same rows in one transaction
 *
 * The load is paced (one request every 1/BENCH_RATE s, see `run`); a latency counts from when its request was due,
 * so a server that falls behind shows it in its latencies and its throughput. BENCH_PROFILE=1 runs Switchboard under
 * `--cpu-prof` and prints the top frames of the measured seconds.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, startPostgres, startRedis } from '../scripts/local/services';
import { summariseProfile } from './cpu-profile';
import { cutProfile, monotonicUs, processCpuMs } from './profile-window';
import { addMembers, benchEnv, migrate, runBench, startNodeServer } from './servers';

const ROOT = join(__dirname, '..', '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const PROFILE = process.env.BENCH_PROFILE === '1';
const PROFILE_DIR = join(ROOT, 'bench', '.profiles', 'chat-write');

interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server CPU per request, µs. */
  cpuUs: number;
  window: [number, number];
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

interface Run {
  /** Each 2xx response's latency from the moment its request was due, ms, sorted. */
  latencies: number[];
  completed: number;
  errors: number;
}

/**
 * Sends one POST every 1/RATE s for `seconds` over a keep-alive pool of CONNECTIONS sockets (open loop: a request
 * waits for a free socket if the server is behind, and that wait counts in its latency). autocannon's
 * `overallRate` was tried first: it sends each second's quota as fast as its connections allow and then idles, so at
 * 100 req/s a bare handler with a 2.5 ms latency showed a 26 ms p50 — the latency of a burst, not of a steady load.
 */
async function run(url: string, headers: Record<string, string>, seconds: number): Promise<Run> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const body = JSON.stringify({ body: 'Bench message: the quick brown fox jumps over the lazy dog.' });
  const target = new URL(url);
  const latencies: number[] = [];
  let errors = 0;
  const one = (due: number): Promise<void> =>
    new Promise((resolve) => {
      const req = request(
        target,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode! < 300) {
              latencies.push(performance.now() - due);
            } else {
              errors += 1;
            }
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end(body);
    });
  const pending: Promise<void>[] = [];
  const start = performance.now();
  const total = Math.round(RATE * seconds);
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    pending.push(one(due));
  }
  await Promise.all(pending);
  agent.destroy();
  return { latencies: latencies.sort((a, b) => a - b), completed: latencies.length, errors };
}

async function load(child: ChildProcess, url: string, headers: Record<string, string>): Promise<Measurement> {
  await run(url, headers, 3); // warm-up
  const [cpu0, start, t0] = [processCpuMs(child.pid!), monotonicUs(), performance.now()];
  const { latencies, completed, errors } = await run(url, headers, SECONDS);
  const [cpu1, end, t1] = [processCpuMs(child.pid!), monotonicUs(), performance.now()];
  return {
    rps: completed / ((t1 - t0) / 1000),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
    cpuUs: ((cpu1 - cpu0) / (completed + errors)) * 1000,
    window: [start, end],
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/** The owner of an organization, three more members, and a group conversation of the four. */
async function seed(base: string, databaseUrl: string): Promise<{ headers: Record<string, string>; path: string }> {
  const post = async <T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) {
      throw new Error(`${path}: ${res.status} ${await res.text()}`);
    }
    return (await res.json()) as T;
  };
  const users: { id: string; token: string }[] = [];
  for (let i = 0; i < 4; i++) {
    const { user, accessToken } = await post<{ accessToken: string; user: { id: string } }>('/api/v1/auth/register', {
      email: `writer${i}@example.com`,
      username: `writer${i}`,
      password: 'Correct-Horse-9',
    });
    users.push({ id: user.id, token: accessToken });
  }
  const [owner, ...others] = users;
  const authorization = `Bearer ${owner.token}`;
  const org = await post<{ id: string }>('/api/v1/organizations', { name: 'Writers' }, { authorization });
  await addMembers(
    databaseUrl,
    org.id,
    others.map((u) => u.id),
  );
  const headers = { authorization, 'x-organization-id': org.id };
  const conversation = await post<{ id: string }>(
    '/api/v1/chat/conversations',
    { type: 'group', title: 'Writers', memberIds: others.map((u) => u.id) },
    headers,
  );
  return { headers: { ...headers, 'x-user-id': owner.id }, path: `/conversations/${conversation.id}/messages` };
}

async function main(): Promise<void> {
  const [pg, redis] = await Promise.all([startPostgres({ ephemeral: true }), startRedis()]);
  const children: ChildProcess[] = [];
  try {
    const env = benchEnv(
      { pg, redis },
      {
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
        AUTH_RATE_LIMIT_MAX: '100000000',
        CHAT_SEND_RATE_PER_MINUTE: '100000000',
      },
    );
    migrate(env);
    rmSync(PROFILE_DIR, { recursive: true, force: true });
    mkdirSync(PROFILE_DIR, { recursive: true });

    const appPort = await freePort();
    const app = `http://127.0.0.1:${appPort}`;
    // Pino writes each request's log line to stdout, as in production (here into /dev/null).
    const switchboard = await startNodeServer(
      join(ROOT, 'dist', 'src', 'main.js'),
      { ...env, PORT: String(appPort) },
      `${app}/health/ready`,
      { nodeArgs: PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [], timeoutMs: 60_000 },
    );
    children.push(switchboard);
    const barePort = await freePort();
    const bareUrl = `http://127.0.0.1:${barePort}`;
    const bareServer = await startNodeServer(
      join(ROOT, 'dist', 'bench', 'bare-chat-write-server.js'),
      { ...env, PORT: String(barePort) },
      `${bareUrl}/ready`,
    );
    children.push(bareServer);

    const { headers, path } = await seed(app, pg.url);
    const { 'x-user-id': userId, ...appHeaders } = headers;
    const bare = await load(bareServer, `${bareUrl}${path}`, { 'x-user-id': userId });
    const ours = await load(switchboard, `${app}/api/v1/chat${path}`, appHeaders);

    process.stdout.write(
      `\nchat write: POST a message at ${RATE} req/s over ${CONNECTIONS} connections for ${SECONDS} s each, one machine (servers, PostgreSQL, Redis and the load generator share its cores)\n\n`,
    );
    for (const [name, m] of [
      ['bare Fastify + pg (one transaction)', bare],
      ['Switchboard (POST …/messages)', ours],
    ] as const) {
      process.stdout.write(
        `${name.padEnd(36)} ${m.rps.toFixed(0).padStart(5)} req/s   p50 ${m.p50.toFixed(2).padStart(6)} ms   p99 ${m.p99.toFixed(2).padStart(6)} ms   CPU ${m.cpuUs.toFixed(0).padStart(5)} µs/req   errors ${m.errors}\n`,
      );
    }
    const throughput = bare.rps / ours.rps;
    const p99 = ours.p99 / bare.p99;
    const verdict = (ratio: number): string => (ratio <= 1.5 ? 'within target' : 'OVER target');
    process.stdout.write(
      `\nthroughput bare / Switchboard ${throughput.toFixed(2)}× (target ≤ 1.50×) — ${verdict(throughput)}\n` +
        `p99 Switchboard / bare ${p99.toFixed(2)}× (target ≤ 1.50×) — ${verdict(p99)}; p50 ${(ours.p50 / bare.p50).toFixed(2)}×\n`,
    );
    if (PROFILE) {
      await stop(switchboard);
      const [file] = readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.cpuprofile'));
      const cut = join(PROFILE_DIR, 'measured.cpuprofile.json');
      writeFileSync(
        cut,
        JSON.stringify(cutProfile(JSON.parse(readFileSync(join(PROFILE_DIR, file), 'utf8')), ours.window)),
      );
      process.stdout.write(`\nSwitchboard while measured: ${cut}\n${summariseProfile(cut, 25)}\n`);
    }
  } finally {
    await Promise.all(children.map(stop));
    await Promise.all([pg.stop(), redis.stop()]);
  }
}

runBench(main);
