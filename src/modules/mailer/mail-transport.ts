import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { AppConfigService } from 'src/config/app-config.service';

export interface DeliveryResult {
  messageId: string;
  /** Where the message went: `smtp`, or the outbox file path. */
  destination: string;
}

/**
 * Delivers system mail: through `SMTP_URL` (pooled) when set, otherwise into a local outbox folder of `.eml`
 * files (`MAIL_OUTBOX_DIR`, default `.data/outbox`) that a developer opens with any mail client or reads as text.
 */
@Injectable()
export class MailTransport implements OnApplicationShutdown {
  private readonly logger = new Logger(MailTransport.name);
  private readonly smtp?: Transporter;
  private readonly outbox?: Transporter;
  readonly outboxDir: string;

  constructor(private readonly config: AppConfigService) {
    const { smtpUrl, outboxDir } = config.mail;
    this.outboxDir = resolve(outboxDir);
    if (smtpUrl) {
      this.smtp = createTransport(`${smtpUrl}${smtpUrl.includes('?') ? '&' : '?'}pool=true`);
    } else {
      this.outbox = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    }
  }

  get mode(): 'smtp' | 'outbox' {
    return this.smtp ? 'smtp' : 'outbox';
  }

  async deliver(id: string, message: Mail.Options): Promise<DeliveryResult> {
    const mail: Mail.Options = { from: this.config.mail.from, ...message, headers: { 'X-Switchboard-Mail-Id': id } };
    if (this.smtp) {
      const info = (await this.smtp.sendMail(mail)) as { messageId: string };
      return { messageId: info.messageId, destination: 'smtp' };
    }
    const info = (await this.outbox!.sendMail(mail)) as { messageId: string; message: Buffer };
    await mkdir(this.outboxDir, { recursive: true });
    const file = join(this.outboxDir, `${new Date().toISOString().replace(/[:.]/g, '-')}_${id}.eml`);
    // Written under a temporary name and renamed, so a reader watching the folder never sees a half-written file.
    const partial = join(this.outboxDir, `.${randomUUID()}.part`);
    await writeFile(partial, info.message, { mode: 0o600 });
    await rename(partial, file);
    return { messageId: info.messageId, destination: file };
  }

  onApplicationShutdown(): void {
    this.smtp?.close();
    this.logger.debug('mail transport closed');
  }
}
