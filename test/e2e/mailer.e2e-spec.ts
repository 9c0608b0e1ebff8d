import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { simpleParser, type ParsedMail } from 'mailparser';
import { MailerService } from 'src/modules/mailer/mailer.service';
import { SystemMail, SystemMailStatus } from 'src/modules/mailer/system-mail.entity';
import { startSmtpSink, type RunningSmtpSink } from '../../scripts/local/smtp-sink';
import { eventually, startTestApp, type TestApp } from '../support/test-app';

const findMail = (app: TestApp, id: string): Promise<SystemMail | null> =>
  app.app.get(MikroORM).em.fork().findOne(SystemMail, id);

describe('system mail through the system queue', () => {
  describe('without SMTP_URL: the local outbox', () => {
    const outbox = mkdtempSync(join(tmpdir(), 'switchboard-outbox-'));
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({ MAIL_OUTBOX_DIR: outbox });
    });
    afterAll(() => t.close());

    it('queues a mail, and the worker writes it to the outbox as .eml', async () => {
      const mailer = t.app.get(MailerService);
      const queued = await mailer.send({
        to: 'ada@example.com',
        subject: 'Verify your address',
        text: 'Open https://switchboard.test/verify?token=abc',
        html: '<p>Open the <a href="https://switchboard.test/verify?token=abc">link</a></p>',
        template: 'auth.verify-email',
      });
      expect(queued.status).toBe('queued');

      const file = await eventually(
        () => readdirSync(outbox).find((f) => f.endsWith(`${queued.id}.eml`)),
        10_000,
        'outbox file',
      );
      const parsed: ParsedMail = await simpleParser(readFileSync(join(outbox, file)));
      expect(parsed.subject).toBe('Verify your address');
      expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '').toBe('ada@example.com');
      expect(parsed.text).toContain('token=abc');
      expect(parsed.headers.get('x-switchboard-mail-id')).toBe(queued.id);

      const row = await eventually(async () => {
        const mail = await findMail(t, queued.id);
        return mail?.status === SystemMailStatus.Sent ? mail : undefined;
      });
      expect(row).toMatchObject({ to: 'ada@example.com', template: 'auth.verify-email', attempts: 1 });
      expect(row.sentAt).toBeInstanceOf(Date);
    });

    it('sends once for a repeated idempotency key', async () => {
      const mailer = t.app.get(MailerService);
      const input = {
        to: 'bob@example.com',
        subject: 'Reset',
        text: 'reset',
        template: 'auth.reset',
        idempotencyKey: 'reset:bob:1',
      };
      const [a, b] = await Promise.all([mailer.send(input), mailer.send(input)]);
      expect(b.id).toBe(a.id);
      await eventually(async () => ((await findMail(t, a.id))?.status === SystemMailStatus.Sent ? true : undefined));
      const again = await mailer.send(input);
      expect(again).toEqual({ id: a.id, status: 'sent' });
      await new Promise((r) => setTimeout(r, 300));
      expect(readdirSync(outbox).filter((f) => f.endsWith(`${a.id}.eml`))).toHaveLength(1);
    });
  });

  describe('with SMTP_URL: a real SMTP server', () => {
    let smtp: RunningSmtpSink;
    let t: TestApp;

    beforeAll(async () => {
      smtp = await startSmtpSink();
      t = await startTestApp({ SMTP_URL: smtp.url, MAIL_FROM: 'Switchboard <system@switchboard.test>' });
    });
    afterAll(async () => {
      await t.close();
      await smtp.stop();
    });

    it('delivers over SMTP and records the Message-ID', async () => {
      const queued = await t.app.get(MailerService).send({
        to: 'carol@example.com',
        subject: 'Welcome',
        text: 'hello',
        template: 'auth.welcome',
      });
      const { parsed: mail, envelope } = await smtp.waitFor((m) => m.parsed.subject === 'Welcome');
      expect(envelope).toEqual({ mailFrom: 'system@switchboard.test', rcptTo: ['carol@example.com'] });
      expect(mail.from?.value[0]).toMatchObject({ name: 'Switchboard', address: 'system@switchboard.test' });
      const row = await eventually(async () => {
        const found = await findMail(t, queued.id);
        return found?.status === SystemMailStatus.Sent ? found : undefined;
      });
      expect(row.messageId).toBe(mail.messageId);
    });
  });
});
