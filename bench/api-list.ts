/**
 * `npm run bench:api` — SPEC target: an authenticated list endpoint within 2× of a bare Fastify handler doing the
 * same query. Starts a throwaway PostgreSQL and Redis, seeds users, then loads both servers in turn with
 * autocannon (same connections, same duration) and prints requests/s, latencies and the ratio.
 *
 *   Switchboard: GET /api/v1/admin/users?limit=20 with an admin's bearer token (JWT verify, session check,
 *                role guard, validation pipe, rate limiter in Redis, pino request log, MikroORM findAndCount)
 *   bare:        Fastify + node-postgres running the same two queries
 *
 * Environment: BENCH_SECONDS (default 10), BENCH_CONNECTIONS (default 32), BENCH_USERS (default 5000).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { freePort, localSecrets, startPostgres, startRedis } from '../scripts/local/services';
import { startNodeServer } from './servers';

const ROOT = join(__dirname, '..', '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const USERS = Number(process.env.BENCH_USERS ?? 5000);

async function load(url: string, headers: Record<string, string>): Promise<autocannon.Result> {
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 2 }); // warm-up
  return autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS });
}

async function main(): Promise<void> {
  const [pg, redis] = await Promise.all([startPostgres({ ephemeral: true }), startRedis()]);
  const children: ChildProcess[] = [];
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...localSecrets(),
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      NODE_ENV: 'production',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      RATE_LIMIT_MAX: '100000000',
      ADMIN_EMAIL: 'bench-admin@example.com',
      ADMIN_PASSWORD: 'Bench-Horse-123',
    };
    await new Promise<void>((resolve, reject) =>
      spawn(process.execPath, [join(ROOT, 'dist', 'src', 'database-cli.js'), 'up'], { env, stdio: 'ignore' }).once(
        'exit',
        (code) => (code === 0 ? resolve() : reject(new Error('migrations failed'))),
      ),
    );
    const db = new Client({ connectionString: pg.url });
    await db.connect();
    await db.query(
      `insert into users (id, email, username, role, created_at, updated_at)
       select gen_random_uuid(), 'user' || i || '@example.com', 'user' || i, 'user', now() - (i || ' seconds')::interval, now()
       from generate_series(1, $1) as i`,
      [USERS],
    );
    await db.end();

    const appPort = await freePort();
    // Pino writes each request's log line to stdout, as in production (here into /dev/null).
    children.push(
      await startNodeServer(
        join(ROOT, 'dist', 'src', 'main.js'),
        { ...env, PORT: String(appPort), HOST: '127.0.0.1' },
        `http://127.0.0.1:${appPort}/health/ready`,
      ),
    );
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

    const bare = await load(`http://127.0.0.1:${barePort}/users?limit=20`, {});
    const app = await load(`http://127.0.0.1:${appPort}/api/v1/admin/users?limit=20`, auth);
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
      `throughput ratio bare/switchboard: ${ratio.toFixed(2)}x (target ≤ 2.00x) — ${ratio <= 2 ? 'within target' : 'OVER target'}\n`,
    );
    process.stdout.write(
      `(${USERS} users, ${CONNECTIONS} connections, ${SECONDS} s each, one machine: both servers and the load generator share its cores)\n`,
    );
  } finally {
    for (const child of children) {
      child.kill('SIGTERM');
    }
    await Promise.all([pg.stop(), redis.stop()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
  process.exit(1);
});
