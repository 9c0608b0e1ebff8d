import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  // Generous limits by default: the suites make many requests from one address; rate-limit tests lower them.
  const env = validateEnv({
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: '100000',
    AUTH_RATE_LIMIT_MAX: '100000',
    LOCKOUT_IP_THRESHOLD: '100000',
    // Never the developer's .data/outbox.
    MAIL_OUTBOX_DIR: mkdtempSync(join(tmpdir(), 'switchboard-test-outbox-')),
    STORAGE_DIR: mkdtempSync(join(tmpdir(), 'switchboard-test-storage-')),
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    ...overrides,
  });
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
export const readJson = (res: Response): Promise<any> => res.json();

export interface TestUser {
  id: string;
  email: string;
  username: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  sessionId: string;
  api: SwitchboardClient;
}

let counter = 0;

/** Registers a fresh user through the API and returns its credentials and an authenticated client. */
export async function registerUser(t: TestApp, password = 'Correct-Horse-9'): Promise<TestUser> {
  const unique = `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const body = { email: `user-${unique}@example.com`, username: `user-${unique}`, password };
  const { data, error } = await t.api.POST('/api/v1/auth/register', { body });
  if (!data) {
    throw new Error(`register failed: ${JSON.stringify(error)}`);
  }
  return {
    id: data.user.id,
    email: body.email,
    username: body.username,
    password,
    accessToken: data.accessToken,
    refreshToken: data.refreshToken,
    sessionId: data.sessionId,
    api: createSwitchboardClient(t.baseUrl, { token: data.accessToken }),
  };
}

/** Raw request helper for assertions on status and error bodies. */
export async function call(
  t: TestApp,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${t.baseUrl}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** Request options acting as `user` inside organization `orgId` (bearer token + X-Organization-Id). */
export const inOrg = (user: TestUser, orgId: string): { token: string; headers: Record<string, string> } => ({
  token: user.accessToken,
  headers: { 'x-organization-id': orgId },
});
