import { MikroORM } from '@mikro-orm/postgresql';
import type { INestApplicationContext } from '@nestjs/common';
import { createWorkerContext } from 'src/bootstrap';
import { validateEnv } from 'src/config/env.schema';
import { MailMessage } from 'src/modules/mail/mail-message.entity';
import { startDovecot, writeMaildirMessages, type RunningDovecot } from '../../scripts/local/dovecot';
import { startSmtpSink, type RunningSmtpSink } from '../../scripts/local/smtp-sink';
import { connectAccount, forgetMailAccounts, LOCAL_MAIL_SERVERS, rawMessage } from '../support/mail-fixtures';
import { eventually, registerUser, startTestApp, type TestApp } from '../support/test-app';

const EMAIL = 'bulk@example.com';
const PASSWORD = 'imap-secret-2';
const TOTAL = 4000;

describe('mail sync survives a worker killed mid-sync', () => {
  let api: TestApp;
  let imap: RunningDovecot;
  let smtp: RunningSmtpSink;
  const workers: INestApplicationContext[] = [];
  const env = () => validateEnv({ ...process.env, APP_ROLE: 'worker', LOG_LEVEL: 'silent', ...LOCAL_MAIL_SERVERS });

  beforeAll(async () => {
    [imap, smtp] = await Promise.all([startDovecot({ parentDir: '/dev/shm' }), startSmtpSink()]);
    imap.addUser(EMAIL, PASSWORD);
    writeMaildirMessages(
      imap.maildirOf(EMAIL),
      'INBOX',
      Array.from({ length: TOTAL }, (_, i) => rawMessage(i + 1)),
    );
    api = await startTestApp({ APP_ROLE: 'api', ...LOCAL_MAIL_SERVERS });
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close().catch(() => undefined)));
    if (api) {
      await forgetMailAccounts(api);
      await api.close();
    }
    await Promise.all([imap?.stop(), smtp?.stop()]);
  });

  jest.setTimeout(120_000);

  it('resumes after the worker dies and ends with exactly the server’s messages, none twice', async () => {
    const count = (accountId: string) => api.app.get(MikroORM).em.fork().count(MailMessage, { account: accountId });
    const first = await createWorkerContext(env());
    workers.push(first);
    const owner = await registerUser(api);
    const { accountId } = await connectAccount(
      api,
      owner,
      { imapHost: imap.host, imapPort: imap.port, smtpHost: smtp.host, smtpPort: smtp.port },
      EMAIL,
      PASSWORD,
    );

    // Stop the worker as soon as the first batches are stored.
    const partial = await eventually(
      async () => {
        const n = await count(accountId);
        return n >= 250 ? n : undefined;
      },
      20_000,
      'the first batches',
    );
    await first.close();
    const afterKill = await count(accountId);
    expect(partial).toBeLessThan(TOTAL);
    expect(afterKill).toBeLessThan(TOTAL);

    const second = await createWorkerContext(env());
    workers.push(second);
    await eventually(async () => ((await count(accountId)) === TOTAL ? true : undefined), 60_000, 'the resumed sync');

    const [row] = await api.app
      .get(MikroORM)
      .em.fork()
      .getConnection()
      .execute<{ rows: number; uids: number; min: string; max: string }[]>(
        'select count(*)::int as rows, count(distinct uid)::int as uids, min(uid) as min, max(uid) as max from mail_messages where account_id = ?',
        [accountId],
      );
    expect(row).toEqual({ rows: TOTAL, uids: TOTAL, min: '1', max: String(TOTAL) });
  });
});
