/**
 * `npm run bench:api` — issue #16's target: an authenticated list endpoint within 1.5× of a bare Fastify handler
 * doing the same queries. Starts a throwaway PostgreSQL and Redis, then for each table size (BENCH_USERS users, then
 * BENCH_LARGE_USERS: the page comes from the `users(created_at, id)` index, the count from a scan) loads both
 * servers in turn with autocannon (same connections, same duration) and prints requests/s, latencies and the ratio.
 *
 *   Switchboard: GET /api/v1/admin/users?limit=20 with an admin's bearer token (JWT verify, session check,
 *                role guard, validation pipe, rate limiter in Redis, pino request log, MikroORM findAndCount)
 *   bare:        Fastify + node-postgres running the same two queries
 *
 * Production settings: NODE_ENV=production, JSON logs (to /dev/null), APP_ROLE=api, the request limit raised out of
 * the way (it is still counted).
 *
 * Each table size is measured in BENCH_ROUNDS rounds (bare and Switchboard alternately, the order swapped every
 * round) and the ratio reported is the median of the rounds' ratios: this machine's speed drifts by a third between runs.
 *
 * Environment: BENCH_SECONDS (default 10), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 32), BENCH_USERS (default 5000),
 * BENCH_LARGE_USERS (default 100000; 0 skips the second table), BENCH_PROFILE=1 to take a CPU profile of Switchboard
 * (bench/.profiles/, its top frames printed at the end).
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { freePort, startPostgres, startRedis } from '../scripts/local/services';
import { benchEnv, cpuMeter, migrate, runBench, startNodeServer, stopNodeServer } from './servers';
import { summariseProfile } from './cpu-profile';

const ROOT = join(__dirname, '..', '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const USERS = Number(process.env.BENCH_USERS ?? 5000);
const LARGE_USERS = Number(process.env.BENCH_LARGE_USERS ?? 100_000);
const TARGET = 1.5;
const PROFILE_DIR = join(ROOT, 'bench', '.profiles');
const PROFILE = process.env.BENCH_PROFILE === '1';

interface Load {
  result: autocannon.Result;
  cpu: { serverUs: number; otherUs: number };
}

/** Loads one server (after a warm-up when asked) and counts its CPU and the rest of the machine's per request. */
async function load(
  server: ChildProcess,
  url: string,
  headers: Record<string, string>,
  warmUp: boolean,
): Promise<Load> {
  if (warmUp) {
    await autocannon({ url, headers, connections: CONNECTIONS, duration: 2 });
  }
  const meter = cpuMeter(server.pid!);
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS });
  return { result, cpu: meter.perRequest(result.requests.total) };
}

async function main(): Promise<void> {
  const [pg, redis] = await Promise.all([startPostgres({ ephemeral: true }), startRedis()]);
  const children: ChildProcess[] = [];
  try {
    const env = benchEnv(
      { pg, redis },
      {
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
        ADMIN_EMAIL: 'bench-admin@example.com',
        ADMIN_PASSWORD: 'Bench-Horse-123',
      },
    );
    migrate(env);
    const db = new Client({ connectionString: pg.url });
    await db.connect();
    /** Adds users numbered from `from` to `to` (their creation times a second apart) and refreshes the statistics. */
    const seed = async (from: number, to: number): Promise<void> => {
      await db.query(
        `insert into users (id, email, username, role, created_at, updated_at)
         select gen_random_uuid(), 'user' || i || '@example.com', 'user' || i, 'user', now() - (i || ' seconds')::interval, now()
         from generate_series($1::int, $2::int) as i`,
        [from, to],
      );
      await db.query('analyze users');
    };
    await seed(1, USERS);

    const appPort = await freePort();
    mkdirSync(PROFILE_DIR, { recursive: true });
    const profilesBefore = new Set(readdirSync(PROFILE_DIR));
    // Pino writes each request's log line to stdout, as in production (here into /dev/null).
    const appServer = await startNodeServer(
      join(ROOT, 'dist', 'src', 'main.js'),
      { ...env, PORT: String(appPort), HOST: '127.0.0.1' },
      `http://127.0.0.1:${appPort}/health/ready`,
      { nodeArgs: PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [] },
    );
    children.push(appServer);
    const barePort = await freePort();
    const bareServer = await startNodeServer(
      join(ROOT, 'dist', 'bench', 'bare-list-server.js'),
      { ...env, PORT: String(barePort) },
      `http://127.0.0.1:${barePort}/users`,
    );
    children.push(bareServer);

    const login = await fetch(`http://127.0.0.1:${appPort}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD }),
    });
    const { tokens } = (await login.json()) as { tokens: { accessToken: string } };
    const auth = { authorization: `Bearer ${tokens.accessToken}`, 'x-request-id': randomUUID() };

    const run = async (users: number): Promise<void> => {
      process.stdout.write(
        `\n${users} users, GET /api/v1/admin/users?limit=20 (a page, newest first, and the total), ${ROUNDS} rounds\n`,
      );
      const bareLoad = (warmUp: boolean): Promise<Load> =>
        load(bareServer, `http://127.0.0.1:${barePort}/users?limit=20`, {}, warmUp);
      const appLoad = (warmUp: boolean): Promise<Load> =>
        load(appServer, `http://127.0.0.1:${appPort}/api/v1/admin/users?limit=20`, auth, warmUp);
      const bare: Load[] = [];
      const app: Load[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which server goes first, so a machine that slows down or speeds up during the run favours neither.
        if (round % 2 === 0) {
          bare.push(await bareLoad(round === 0));
          app.push(await appLoad(round === 0));
        } else {
          app.push(await appLoad(false));
          bare.push(await bareLoad(false));
        }
        const [b, a] = [bare[round], app[round]];
        for (const [name, r] of [
          ['bare fastify + pg', b],
          ['switchboard', a],
        ] as const) {
          process.stdout.write(
            `  ${name.padEnd(18)} ${r.result.requests.average.toFixed(0).padStart(7)} req/s   p50 ${r.result.latency.p50} ms   p99 ${r.result.latency.p99} ms   ` +
              `CPU/req: server ${r.cpu.serverUs.toFixed(0)} µs, PostgreSQL+Redis ${r.cpu.otherUs.toFixed(0)} µs   errors ${r.result.errors + r.result.non2xx}\n`,
          );
        }
        process.stdout.write(
          `  round ${round + 1} ratio ${(b.result.requests.average / a.result.requests.average).toFixed(2)}x\n`,
        );
      }
      const median = (values: number[]): number => values.sort((x, y) => x - y)[Math.floor(values.length / 2)];
      const ratio = median(bare.map((b, i) => b.result.requests.average / app[i].result.requests.average));
      process.stdout.write(
        `median of the rounds' throughput ratios bare/switchboard: ${ratio.toFixed(2)}x (target ≤ ${TARGET.toFixed(2)}x) — ` +
          `${ratio <= TARGET ? 'within target' : 'OVER target'}\n`,
      );
    };
    await run(USERS);
    if (LARGE_USERS > USERS) {
      await seed(USERS + 1, LARGE_USERS);
      await run(LARGE_USERS);
    }
    await db.end();
    if (PROFILE) {
      await stopNodeServer(appServer);
      const file = readdirSync(PROFILE_DIR).find((f) => f.endsWith('.cpuprofile') && !profilesBefore.has(f));
      if (file) {
        process.stdout.write(`\nCPU profile of Switchboard under load: bench/.profiles/${file}\n`);
        process.stdout.write(`${summariseProfile(join(PROFILE_DIR, file), 25)}\n`);
      }
    }
    process.stdout.write(
      `\n(${CONNECTIONS} connections, ${SECONDS} s per load after a 2 s warm-up, one machine: both servers, PostgreSQL and the load generator share its cores)\n`,
    );
  } finally {
    for (const child of children) {
      child.kill('SIGTERM');
    }
    await Promise.all([pg.stop(), redis.stop()]);
  }
}

runBench(main);
