import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MikroORM } from '@mikro-orm/postgresql';
import { keyId } from 'src/common/crypto/secret-box';
import { MailAccount } from 'src/modules/mail/mail-account.entity';
import { startDovecot, writeMaildirMessages, type RunningDovecot } from '../../scripts/local/dovecot';
import { startSmtpSink, type RunningSmtpSink } from '../../scripts/local/smtp-sink';
import {
  connectAccount,
  forgetMailAccounts,
  LOCAL_MAIL_SERVERS,
  rawMessage,
  waitForIdle,
} from '../support/mail-fixtures';
import { call, inOrg, registerUser, startTestApp, type TestApp } from '../support/test-app';

const CLI = join(__dirname, '..', '..', 'dist', 'src', 'database-cli.js');
const EMAIL = 'rotate@example.com';
const PASSWORD = 'imap-secret-rotate';

/** `npm run secrets:reseal`, i.e. the compiled CLI production runs, with the given keys. */
async function reseal(current: string, previous: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'reseal-secrets'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      ENCRYPTION_KEY: current,
      ENCRYPTION_KEYS_PREVIOUS: previous,
    },
  });
  return stdout;
}

describe('encryption key rotation: old secrets still open, the CLI re-seals them under the new key', () => {
  const original = process.env.ENCRYPTION_KEY!;
  const next = randomBytes(32).toString('base64');
  let imap: RunningDovecot;
  let smtp: RunningSmtpSink;
  let t: TestApp | undefined;
  let rotated = false;

  beforeAll(async () => {
    [imap, smtp] = await Promise.all([startDovecot(), startSmtpSink()]);
    imap.addUser(EMAIL, PASSWORD);
    writeMaildirMessages(imap.maildirOf(EMAIL), 'INBOX', [rawMessage(1), rawMessage(2), rawMessage(3)]);
  });

  afterAll(async () => {
    if (t) {
      await forgetMailAccounts(t);
      await t.close();
    }
    // The database is shared with the other suites: put every secret back under their key.
    if (rotated) {
      await reseal(original, next);
    }
    await Promise.all([imap?.stop(), smtp?.stop()]);
  });

  it('re-seals mail credentials under the new key, and the account keeps syncing with the new key alone', async () => {
    const before = await startTestApp({ ...LOCAL_MAIL_SERVERS });
    const owner = await registerUser(before);
    const { orgId, accountId } = await connectAccount(
      before,
      owner,
      { imapHost: imap.host, imapPort: imap.port, smtpHost: smtp.host, smtpPort: smtp.port },
      EMAIL,
      PASSWORD,
    );
    const sealed = async (app: TestApp) =>
      app.app
        .get<MikroORM>(MikroORM)
        .em.fork()
        .findOneOrFail(MailAccount, accountId, { populate: ['imapPasswordSealed', 'smtpPasswordSealed'] });
    const old = await sealed(before);
    expect(old.imapPasswordSealed.startsWith(`v2.${keyId(Buffer.from(original, 'base64'))}.`)).toBe(true);
    await before.close();

    // Rotate: the new key seals, the old one only opens, until the CLI has moved every secret.
    rotated = true;
    const first = await reseal(next, original);
    expect(first).toMatch(new RegExp(`re-sealed under key ${keyId(Buffer.from(next, 'base64'))}: `));
    expect(Number(/mail_accounts (\d+)/.exec(first)![1])).toBeGreaterThanOrEqual(1);
    expect(Number(/users (\d+)/.exec(first)![1])).toBeGreaterThanOrEqual(0);
    expect(await reseal(next, original)).toMatch(/users 0, webhook_endpoints 0, mail_accounts 0/);

    // With the new key only, the stored credentials still log in: the worker syncs the Inbox.
    t = await startTestApp({ ...LOCAL_MAIL_SERVERS, ENCRYPTION_KEY: next, ENCRYPTION_KEYS_PREVIOUS: '' });
    const now = await sealed(t);
    expect(now.imapPasswordSealed.startsWith(`v2.${keyId(Buffer.from(next, 'base64'))}.`)).toBe(true);
    expect(now.imapPasswordSealed).not.toBe(old.imapPasswordSealed);
    await waitForIdle(t, owner, orgId, accountId, 'the account synced with re-sealed credentials');
    const folders = await call(t, 'GET', `/api/v1/mail/accounts/${accountId}/folders`, inOrg(owner, orgId));
    expect((folders.body as { role: string; total: number }[]).find((f) => f.role === 'inbox')?.total).toBe(3);
  });
});
