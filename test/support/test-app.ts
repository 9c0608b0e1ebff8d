import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createSwitchboardClient, type SwitchboardClient } from '../../client';
import { createHttpApp } from 'src/bootstrap';
import { validateEnv } from 'src/config/env.schema';

export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  api: SwitchboardClient;
  close(): Promise<void>;
}

/**
 * The whole application on a free port, against the PostgreSQL and Redis that global-setup started (or the
 * ones given in `overrides`). Each call is a separate instance, like another node of a cluster.
 */
export async function startTestApp(
  overrides: Record<string, string> = {},
  extra: Parameters<typeof createHttpApp>[1] = [],
): Promise<TestApp> {
  const env = validateEnv({ LOG_LEVEL: 'silent', ...process.env, PORT: '0', HOST: '127.0.0.1', ...overrides });
  const app = await createHttpApp(env, extra);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return { app, baseUrl, api: createSwitchboardClient(baseUrl), close: () => app.close() };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A response's JSON body, loosely typed for assertions on routes outside the typed client (fixtures, errors). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const readJson = (res: Response): Promise<any> => res.json();
