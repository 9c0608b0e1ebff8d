/**
 * `npm run bench:pipeline` — where a request's time goes. Starts a throwaway PostgreSQL and Redis, then, one server
 * at a time and in one process tree, loads the same route:
 *
 *   bare Fastify hello → Switchboard's modules on Nest + Fastify with no request layer → adding one layer at a time
 *   in the order a request meets them (hardening with security headers and request id, metrics, request log, rate
 *   limiter, auth guard with the session check, validation pipe, organization guard) → the full application
 *
 * and a few full-app routes beside it (liveness, `GET /auth/me`, a 20 KB list with and without compression). For
 * each it prints req/s, p50/p99 latency, the server's CPU per request in microseconds, what the stage added to the
 * one before, and the CPU the rest of the machine spent per request (Redis, PostgreSQL; the load generator is not
 * counted). Production settings: NODE_ENV=production, JSON logs (to /dev/null), APP_ROLE=api, the request limit
 * raised out of the way (it is still counted).
 *
 * Environment: BENCH_SECONDS (default 5), BENCH_CONNECTIONS (default 32), BENCH_PROFILE=1 to also take a CPU profile
 * of the full application under load (written to bench/.profiles/, its top frames printed), or BENCH_PROFILE=layers:N
 * for one stage; BENCH_STAGES=N to run only the first N stages.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort, startPostgres, startRedis } from '../scripts/local/services';
import { summariseProfile } from './cpu-profile';
import { benchEnv, cpuMeter, migrate, runBench, startNodeServer, stopNodeServer } from './servers';
import { BENCH_PAYLOAD_ROUTE, BENCH_ROUTE, PIPELINE_LAYERS } from './pipeline-route';

const ROOT = join(__dirname, '..', '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** `1` profiles the full application; a stage name (`layers:3`…) profiles that stage. */
const PROFILE = process.env.BENCH_PROFILE === '1' ? 'full' : process.env.BENCH_PROFILE;
const PROFILE_DIR = join(ROOT, 'bench', '.profiles');

interface Measurement {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Server process CPU per request, µs. */
  serverUs: number;
  /** CPU of every other process except this one (the load generator) per request, µs. */
  otherUs: number;
}

/** One stage's server (see pipeline-server.ts), ready once its liveness route answers. */
function startServer(stage: string, env: NodeJS.ProcessEnv, profile = false): Promise<ChildProcess> {
  return startNodeServer(
    join(ROOT, 'dist', 'bench', 'pipeline-server.js'),
    { ...env, PIPELINE_STAGE: stage },
    `http://127.0.0.1:${env.PORT}/health/live`,
    { nodeArgs: profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [], timeoutMs: 60_000 },
  );
}

const stop = stopNodeServer;

async function measure(
  name: string,
  child: ChildProcess,
  url: string,
  headers: Record<string, string>,
): Promise<Measurement> {
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 2 }); // warm-up
  const meter = cpuMeter(child.pid!);
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS });
  const cpu = meter.perRequest(result.requests.total);
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    serverUs: cpu.serverUs,
    otherUs: cpu.otherUs,
  };
}

function row(m: Measurement, previous?: Measurement): string {
  const delta = previous ? m.serverUs - previous.serverUs : undefined;
  return [
    m.name.padEnd(44),
    m.rps.toFixed(0).padStart(7),
    String(m.p50).padStart(6),
    String(m.p99).padStart(6),
    m.serverUs.toFixed(0).padStart(8),
    (delta === undefined ? '' : `${delta >= 0 ? '+' : ''}${delta.toFixed(0)}`).padStart(8),
    m.otherUs.toFixed(0).padStart(8),
    m.errors > 0 ? `  errors ${m.errors}` : '',
  ].join(' ');
}

const HEADER = `${'stage'.padEnd(44)} ${'req/s'.padStart(7)} ${'p50'.padStart(6)} ${'p99'.padStart(6)} ${'µs/req'.padStart(8)} ${'layer'.padStart(8)} ${'other'.padStart(8)}`;

async function main(): Promise<void> {
  const [pg, redis] = await Promise.all([startPostgres({ ephemeral: true }), startRedis()]);
  const admin = { email: 'bench-admin@example.com', password: 'Bench-Horse-123' };
  const env = benchEnv({ pg, redis }, { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password });
  let child: ChildProcess | undefined;
  try {
    migrate(env);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const stageEnv = { ...env, PORT: String(port) };

    // An admin's session and an organization it owns, used by every stage.
    child = await startServer('full', stageEnv);
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: admin.email, password: admin.password }),
    });
    const { tokens } = (await login.json()) as { tokens: { accessToken: string } };
    const authorization = `Bearer ${tokens.accessToken}`;
    const created = await fetch(`${base}/api/v1/organizations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ name: 'Bench' }),
    });
    const { id: organizationId } = (await created.json()) as { id: string };
    await stop(child);
    const headers = { authorization, 'x-organization-id': organizationId };
    const hello = `${base}${BENCH_ROUTE}?name=ada`;

    process.stdout.write(`${HEADER}\n`);
    const stages: [string, string][] = [
      ['bare Fastify hello', 'fastify'],
      ['Nest on Fastify, no layer', 'layers:0'],
      ...PIPELINE_LAYERS.map((layer, i): [string, string] => [`+ ${layer}`, `layers:${i + 1}`]),
      ['full application (+ compression)', 'full'],
    ];
    const results: Measurement[] = [];
    for (const [name, stage] of stages.slice(0, Number(process.env.BENCH_STAGES ?? stages.length))) {
      child = await startServer(stage, stageEnv);
      const m = await measure(name, child, hello, headers);
      process.stdout.write(`${row(m, results.at(-1))}\n`);
      results.push(m);
      if (stage !== 'full') {
        await stop(child);
        child = undefined;
      }
    }
    if (results.length === stages.length) {
      const full = child!;
      const extra = [
        await measure('full: GET /health/live', full, `${base}/health/live`, {}),
        await measure('full: GET /api/v1/auth/me', full, `${base}/api/v1/auth/me`, headers),
        await measure('full: 20 KB list, identity', full, `${base}${BENCH_PAYLOAD_ROUTE}`, headers),
        await measure('full: 20 KB list, gzip', full, `${base}${BENCH_PAYLOAD_ROUTE}`, {
          ...headers,
          'accept-encoding': 'gzip',
        }),
        await measure('full: 20 KB list, brotli', full, `${base}${BENCH_PAYLOAD_ROUTE}`, {
          ...headers,
          'accept-encoding': 'br',
        }),
      ];
      for (const m of extra) {
        process.stdout.write(`${row(m)}\n`);
      }
      await stop(full);

      const bare = results[0];
      const trivial = results.at(-1)!;
      const ratio = trivial.rps / bare.rps;
      process.stdout.write(
        `\ntrivial authenticated route (full app) / bare Fastify hello: ${trivial.rps.toFixed(0)} / ${bare.rps.toFixed(0)} req/s = ` +
          `${ratio.toFixed(2)} (target ≥ 0.33) — ${ratio >= 1 / 3 ? 'within target' : 'BELOW target'}\n`,
      );
      process.stdout.write(
        `compression: gzip +${(extra[3].serverUs - extra[2].serverUs).toFixed(0)} µs, brotli +${(extra[4].serverUs - extra[2].serverUs).toFixed(0)} µs of CPU per 20 KB response\n`,
      );
      process.stdout.write(
        `(µs/req: CPU of the server process per request; layer: what the stage added; other: Redis, PostgreSQL and ` +
          `the rest of the machine except the load generator. ${CONNECTIONS} connections, ${SECONDS} s per stage, ` +
          `2 s warm-up; server, services and load generator share this machine's cores.)\n`,
      );
    }

    if (PROFILE) {
      mkdirSync(PROFILE_DIR, { recursive: true });
      const before = new Set(readdirSync(PROFILE_DIR));
      child = await startServer(PROFILE, stageEnv, true);
      await measure('profiled', child, hello, headers);
      await stop(child);
      const file = readdirSync(PROFILE_DIR).find((f) => f.endsWith('.cpuprofile') && !before.has(f));
      if (file) {
        process.stdout.write(`\nCPU profile of stage ${PROFILE} under load: bench/.profiles/${file}\n`);
        process.stdout.write(`${summariseProfile(join(PROFILE_DIR, file))}\n`);
      }
    }
  } finally {
    if (child) {
      await stop(child).catch(() => undefined);
    }
    await Promise.all([pg.stop(), redis.stop()]);
  }
}

runBench(main);
