/**
 * Runs a command with DATABASE_URL and REDIS_URL pointing at throwaway services started for it (unless already
 * set), then stops them: `node dist/scripts/local/with-services.js <command> [args…]`.
 */
import { spawn } from 'node:child_process';
import { localSecrets, RunningService, startPostgres, startRedis } from './services';

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (!command) {
    process.stderr.write('usage: with-services <command> [args…]\n');
    return 2;
  }
  const started: RunningService[] = [];
  const env: NodeJS.ProcessEnv = {
    ...localSecrets(),
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  try {
    if (!env.DATABASE_URL) {
      const pg = await startPostgres({ ephemeral: true });
      started.push(pg);
      env.DATABASE_URL = pg.url;
    }
    if (!env.REDIS_URL) {
      const redis = await startRedis();
      started.push(redis);
      env.REDIS_URL = redis.url;
    }
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(command, args, { env, stdio: 'inherit' });
      child.once('error', reject);
      child.once('exit', (code) => resolve(code ?? 1));
    });
  } finally {
    for (const service of started.reverse()) {
      await service.stop().catch(() => undefined);
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
    process.exit(1);
  },
);
