import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { AppConfigService } from 'src/config/app-config.service';
import { ServerCredentials, smtpOptions } from './mail-connection';

/** A transport unused this long is closed (its SMTP connections with it). */
const IDLE_CLOSE_MS = 5 * 60_000;

interface PooledTransport {
  version: string;
  transport: Transporter<SMTPPool.SentMessageInfo>;
  lastUsed: number;
}

/**
 * One pooled nodemailer SMTP transport per mail account in this worker process (`pool: true`, at most
 * `MAIL_SEND_POOL_CONNECTIONS` connections), keyed by the account id and a hash of its SMTP settings: changed
 * credentials get a new transport and the old one is closed. Idle transports close after 5 minutes, all at shutdown.
 */
@Injectable()
export class MailSmtpPoolService implements OnModuleDestroy {
  private readonly logger = new Logger(MailSmtpPoolService.name);
  private readonly transports = new Map<string, PooledTransport>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly config: AppConfigService) {
    this.sweeper = setInterval(() => this.closeIdle(), 60_000);
    this.sweeper.unref();
  }

  get(accountId: string, smtp: ServerCredentials): Transporter<SMTPPool.SentMessageInfo> {
    const version = createHash('sha256')
      .update(JSON.stringify([smtp.host, smtp.port, smtp.security, smtp.user, smtp.password]))
      .digest('hex')
      .slice(0, 16);
    const current = this.transports.get(accountId);
    if (current && current.version === version) {
      current.lastUsed = Date.now();
      return current.transport;
    }
    current?.transport.close();
    const transport = createTransport({
      ...smtpOptions(smtp, this.config.mailAccounts.connectTimeoutMs),
      pool: true,
      maxConnections: this.config.mailSend.poolConnections,
      maxMessages: 100,
    });
    transport.on('error', (error: Error) => this.logger.warn({ accountId, err: error.message }, 'smtp pool'));
    this.transports.set(accountId, { version, transport, lastUsed: Date.now() });
    return transport;
  }

  /** Closes an account's transport (account changed or removed). */
  forget(accountId: string): void {
    this.transports.get(accountId)?.transport.close();
    this.transports.delete(accountId);
  }

  size(): number {
    return this.transports.size;
  }

  private closeIdle(): void {
    const cutoff = Date.now() - IDLE_CLOSE_MS;
    for (const [accountId, entry] of this.transports) {
      if (entry.lastUsed < cutoff) {
        this.forget(accountId);
      }
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
    for (const accountId of [...this.transports.keys()]) {
      this.forget(accountId);
    }
  }
}
