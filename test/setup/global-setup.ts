import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { localSecrets, startPostgres, startRedis, type RunningService } from '../../scripts/local/services';

const ROOT = join(__dirname, '..', '..');

/** Starts a throwaway PostgreSQL and Redis for this run and applies the migrations with the production CLI. */
export default async function globalSetup(): Promise<void> {
  const [pg, redis] = await Promise.all([startPostgres({ ephemeral: true }), startRedis()]);
  process.env.DATABASE_URL = pg.url;
  process.env.REDIS_URL = redis.url;
  process.env.NODE_ENV = 'test';
  Object.assign(process.env, localSecrets());
  process.env.LOG_LEVEL ??= 'silent';
  (globalThis as { __services__?: RunningService[] }).__services__ = [pg, redis];
  execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'database-cli.js'), 'up'], {
    env: process.env,
    stdio: 'pipe',
  });
}
