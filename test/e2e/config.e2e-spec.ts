import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

/** Boots the compiled server with a given environment (no inherited variables) and returns how it ended. */
function boot(env: Record<string, string>): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stderr: result.stderr };
}

describe('configuration is validated at boot', () => {
  it('exits non-zero naming each missing required variable', () => {
    const { status, stderr } = boot({});
    expect(status).toBe(1);
    expect(stderr).toContain('Invalid configuration');
    expect(stderr).toContain('DATABASE_URL');
    expect(stderr).toContain('REDIS_URL');
  });

  it('exits non-zero naming a malformed variable', () => {
    const { status, stderr } = boot({
      DATABASE_URL: process.env.DATABASE_URL!,
      REDIS_URL: process.env.REDIS_URL!,
      JWT_SECRET: process.env.JWT_SECRET!,
      ENCRYPTION_KEY: process.env.ENCRYPTION_KEY!,
      PORT: 'eighty',
      APP_ROLE: 'everything',
    });
    expect(status).toBe(1);
    expect(stderr).toMatch(/PORT/);
    expect(stderr).toMatch(/APP_ROLE/);
    expect(stderr).not.toContain('DATABASE_URL');
  });
});
