import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { createWorkerContext } from 'src/bootstrap';
import { validateEnv } from 'src/config/env.schema';
import { MailerService } from 'src/modules/mailer/mailer.service';
import { eventually, startTestApp, type TestApp } from '../support/test-app';

describe('APP_ROLE: api and worker processes split the work', () => {
  const outbox = mkdtempSync(join(tmpdir(), 'switchboard-roles-'));
  let api: TestApp;
  let worker: INestApplicationContext | undefined;

  beforeAll(async () => {
    api = await startTestApp({ APP_ROLE: 'api', MAIL_OUTBOX_DIR: outbox });
  });
  afterAll(async () => {
    await api.close();
    await worker?.close();
  });

  it('an api-only node queues jobs but does not run them; a worker node does', async () => {
    const queued = await api.app
      .get(MailerService)
      .send({ to: 'dan@example.com', subject: 'Hi', text: 'hi', template: 'test.roles' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(readdirSync(outbox)).toEqual([]);

    worker = await createWorkerContext(validateEnv({ ...process.env, APP_ROLE: 'worker', MAIL_OUTBOX_DIR: outbox }));
    const file = await eventually(
      () => readdirSync(outbox).find((f) => f.includes(queued.id)),
      10_000,
      'worker delivery',
    );
    expect(file).toMatch(/\.eml$/);
  });
});
