import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { localSecrets } from '../scripts/local/services';

const ROOT = join(__dirname, '..', '..');

/**
 * The environment of a bench's Switchboard in production settings: the throwaway services, local secrets,
 * NODE_ENV=production, APP_ROLE=api, JSON logs at `info`, the request limit raised out of the way (it is still
 * counted); `extra` adds or overrides.
 */
export function benchEnv(
  services: { pg: { url: string }; redis: { url: string } },
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...localSecrets(),
    DATABASE_URL: services.pg.url,
    REDIS_URL: services.redis.url,
    NODE_ENV: 'production',
    APP_ROLE: 'api',
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
    HOST: '127.0.0.1',
    RATE_LIMIT_MAX: '100000000',
    ...extra,
  };
}

/** Applies the migrations to the bench's database (compiled CLI). */
export function migrate(env: NodeJS.ProcessEnv): void {
  execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'database-cli.js'), 'up'], { env, stdio: 'ignore' });
}

/** Adds these users to an organization as members in one statement (faster than one invitation each). */
export async function addMembers(databaseUrl: string, organizationId: string, userIds: string[]): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `insert into memberships (id, organization_id, user_id, role, joined_at, created_at, updated_at)
       select gen_random_uuid(), $1, u, 'member', now(), now(), now() from unnest($2::uuid[]) as u`,
      [organizationId, userIds],
    );
  } finally {
    await db.end();
  }
}

/** Runs a bench's main and exits when it is done (keep-alive client sockets would hold the process open). */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
      process.exit(1);
    },
  );
}

/**
 * Starts a Node script as a server of a bench (`nodeArgs` before it, e.g. `--cpu-prof`) and waits until `readyUrl`
 * answers 200 (`timeoutMs` at most).
 */
export async function startNodeServer(
  script: string,
  env: NodeJS.ProcessEnv,
  readyUrl: string,
  { nodeArgs = [], timeoutMs = 30_000 }: { nodeArgs?: string[]; timeoutMs?: number } = {},
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, script], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${script} exited with ${child.exitCode}`);
    }
    const ok = await fetch(readyUrl).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      return child;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`${script} did not become ready`);
}

/** Stops a bench server with SIGTERM (a CPU profile is written as it exits), killing it after 15 s. */
export async function stopNodeServer(child: ChildProcess): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

const TICKS_PER_SECOND = 100;

/** utime + stime of a process, in clock ticks. */
function processTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Busy ticks of the whole machine (every CPU). */
function machineTicks(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .map(Number);
  return user + nice + system + irq + softirq + steal;
}

function selfTicks(): number {
  const usage = process.cpuUsage();
  return ((usage.user + usage.system) / 1e6) * TICKS_PER_SECOND;
}

/**
 * Starts counting CPU from now: `perRequest(n)` gives the server process's CPU per request and that of every other
 * process but this one (the load generator) — PostgreSQL, Redis — in µs.
 */
export function cpuMeter(serverPid: number): { perRequest(requests: number): { serverUs: number; otherUs: number } } {
  const [server0, machine0, self0] = [processTicks(serverPid), machineTicks(), selfTicks()];
  return {
    perRequest(requests) {
      const [server1, machine1, self1] = [processTicks(serverPid), machineTicks(), selfTicks()];
      const us = (ticks: number): number => (ticks / TICKS_PER_SECOND / Math.max(1, requests)) * 1e6;
      const server = server1 - server0;
      return { serverUs: us(server), otherUs: Math.max(0, us(machine1 - machine0 - server - (self1 - self0))) };
    },
  };
}
