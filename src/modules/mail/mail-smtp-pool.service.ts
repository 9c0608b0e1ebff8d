import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { AppConfigService } from 'src/config/app-config.service';
import { ServerCredentials, smtpOptions } from './mail-connection';
import { MailHostPolicy } from './mail-host-policy';

/** A transport unused this long is closed (its SMTP connections with it). */
const IDLE_CLOSE_MS = 5 * 60_000;
/** The host's address is looked up (and checked) again after this long, so a moved server is followed. */
const RECHECK_MS = 5 * 60_000;

interface PooledTransport {
  version: string;
  address: string;
  checkedAt: number;
  transport: Transporter<SMTPPool.SentMessageInfo>;
  lastUsed: number;
}

/**
 * One pooled nodemailer SMTP transport per mail account in this worker process (`pool: true`, at most
 * `MAIL_SEND_POOL_CONNECTIONS` connections), keyed by the account id and a hash of its SMTP settings: changed
 * credentials get a new transport and the old one is closed. Idle transports close after 5 minutes, all at shutdown.
 * Each transport connects to an address the MailHostPolicy verified (nodemailer takes no `lookup`); the host is
 * checked again every 5 minutes and a transport whose host now resolves elsewhere is replaced.
 */
@Injectable()
export class MailSmtpPoolService implements OnModuleDestroy {
  private readonly logger = new Logger(MailSmtpPoolService.name);
  private readonly transports = new Map<string, PooledTransport>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfigService,
    private readonly hosts: MailHostPolicy,
  ) {
    this.sweeper = setInterval(() => this.closeIdle(), 60_000);
    this.sweeper.unref();
  }

  /** Rejects with MAIL_HOST_NOT_ALLOWED when the host resolves only to refused addresses, or with a DNS error. */
  async get(accountId: string, smtp: ServerCredentials): Promise<Transporter<SMTPPool.SentMessageInfo>> {
    const version = createHash('sha256')
      .update(JSON.stringify([smtp.host, smtp.port, smtp.security, smtp.user, smtp.password]))
      .digest('hex')
      .slice(0, 16);
    const current = this.transports.get(accountId);
    if (current && current.version === version && Date.now() - current.checkedAt < RECHECK_MS) {
      current.lastUsed = Date.now();
      return current.transport;
    }
    const [{ address }] = await this.hosts.resolve(smtp.host, 'smtp.host');
    const again = this.transports.get(accountId);
    if (again && again.version === version && again.address === address) {
      again.checkedAt = Date.now();
      again.lastUsed = Date.now();
      return again.transport;
    }
    again?.transport.close();
    const transport = createTransport({
      ...smtpOptions(smtp, address, this.config.mailAccounts.connectTimeoutMs),
      pool: true,
      maxConnections: this.config.mailSend.poolConnections,
      maxMessages: 100,
    });
    transport.on('error', (error: Error) => this.logger.warn({ accountId, err: error.message }, 'smtp pool'));
    this.transports.set(accountId, { version, address, checkedAt: Date.now(), transport, lastUsed: Date.now() });
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
