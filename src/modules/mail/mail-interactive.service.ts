import { Injectable, Logger } from '@nestjs/common';
import { ImapFlow } from 'imapflow';
import { AppConfigService } from 'src/config/app-config.service';
import { MailAccountsService } from './mail-accounts.service';
import { MailAccount } from './mail-account.entity';
import { describeFailure, imapOptions, imapSpoke } from './mail-connection';
import { MailHostPolicy } from './mail-host-policy';
import { MailError, MailErrorCode } from './mail.errors';

/** Populate hint for messages whose account the interactive lane logs in to: folder, account and its sealed passwords. */
export const WITH_ACCOUNT_CREDENTIALS = [
  'folder',
  'account',
  'account.imapPasswordSealed',
  'account.smtpPasswordSealed',
] as const;

/**
 * The interactive lane: each user request (a flag change, a move, an attachment download, an APPEND to Sent) gets
 * its own short-lived IMAP connection, never the worker's sync/IDLE connection, so it does not wait behind a
 * 10 000-message initial sync on the same account (EmailEngine's head-of-line blocking).
 */
@Injectable()
export class MailInteractiveService {
  private readonly logger = new Logger(MailInteractiveService.name);

  constructor(
    private readonly config: AppConfigService,
    private readonly accounts: MailAccountsService,
    private readonly hosts: MailHostPolicy,
  ) {}

  /** Opens a connection for `account` (its sealed credentials must be loaded), runs `fn`, logs out. */
  async run<T>(account: MailAccount, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = await this.open(account);
    try {
      return await fn(client);
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  /** A connected client the caller must log out of (for streams that outlive one call). */
  async open(account: MailAccount): Promise<ImapFlow> {
    const { imap } = this.accounts.stored(account);
    try {
      await this.hosts.resolve(imap.host, 'imap.host');
    } catch (error) {
      const reason = error instanceof MailError ? error.message : describeFailure(error, false, 'IMAP').message;
      throw new MailError(MailErrorCode.ServerUnavailable, `The mail server could not be reached: ${reason}`);
    }
    const client = new ImapFlow({
      ...imapOptions(imap, this.config.mailAccounts.connectTimeoutMs, this.hosts.lookup),
      disableAutoIdle: true,
    });
    client.on('error', (error: Error) => this.logger.warn({ accountId: account.id, err: error.message }, 'imap'));
    try {
      await client.connect();
    } catch (error) {
      const spoke = imapSpoke(client);
      const reason = spoke ? (error as Error).message : describeFailure(error, false, 'IMAP').message;
      throw new MailError(MailErrorCode.ServerUnavailable, `The mail server could not be reached: ${reason}`);
    }
    return client;
  }
}
