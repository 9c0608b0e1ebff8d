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
 * Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 32), BENCH_USERS (default 5000),
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
import { benchEnv, migrate, runBench, startNodeServer, stopNodeServer } from './servers';
import { summariseProfile } from './cpu-profile';

const ROOT = join(__dirname, '..', '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const USERS = Number(process.env.BENCH_USERS ?? 5000);
const LARGE_USERS = Number(process.env.BENCH_LARGE_USERS ?? 100_000);
const TARGET = 1.5;
const PROFILE_DIR = join(ROOT, 'bench', '.profiles');
const PROFILE = process.env.BENCH_PROFILE === '1';

async function load(url: string, headers: Record<string, string>): Promise<autocannon.Result> {
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 2 }); // warm-up
  return autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS });
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
    children.push(
      await startNodeServer(
        join(ROOT, 'dist', 'bench', 'bare-list-server.js'),
        { ...env, PORT: String(barePort) },
        `http://127.0.0.1:${barePort}/users`,
      ),
    );

    const login = await fetch(`http://127.0.0.1:${appPort}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD }),
    });
    const { tokens } = (await login.json()) as { tokens: { accessToken: string } };
    const auth = { authorization: `Bearer ${tokens.accessToken}`, 'x-request-id': randomUUID() };

    const run = async (users: number): Promise<void> => {
      const bare = await load(`http://127.0.0.1:${barePort}/users?limit=20`, {});
      const app = await load(`http://127.0.0.1:${appPort}/api/v1/admin/users?limit=20`, auth);
      process.stdout.write(
        `\n${users} users, GET /api/v1/admin/users?limit=20 (a page, newest first, and the total)\n`,
      );
      for (const [name, r] of [
        ['bare fastify + pg', bare],
        ['switchboard', app],
      ] as const) {
        process.stdout.write(
          `${name.padEnd(18)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p50 ${r.latency.p50} ms   p99 ${r.latency.p99} ms   errors ${r.errors + r.non2xx}\n`,
        );
      }
      const ratio = bare.requests.average / app.requests.average;
      process.stdout.write(
        `throughput ratio bare/switchboard: ${ratio.toFixed(2)}x (target ≤ ${TARGET.toFixed(2)}x) — ${ratio <= TARGET ? 'within target' : 'OVER target'}\n`,
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
      `\n(${CONNECTIONS} connections, ${SECONDS} s each after a 2 s warm-up, one machine: both servers, PostgreSQL and the load generator share its cores)\n`,
    );
  } finally {
    for (const child of children) {
      child.kill('SIGTERM');
    }
    await Promise.all([pg.stop(), redis.stop()]);
  }
}

runBench(main);
