import { DomainEventBus } from 'src/common/events/domain-events';
import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ImapFlow } from 'imapflow';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { AppConfigService } from 'src/config/app-config.service';
import { RealtimeService } from 'src/realtime/realtime.service';
import { REDIS } from 'src/redis/redis.module';
import type {} from './mail.webhooks';
import { MailAccountsService } from './mail-accounts.service';
import { ACCOUNT_CREDENTIALS, MailAccount, MailSyncState } from './mail-account.entity';
import { describeFailure, imapOptions, imapSpoke, isAuthFailure } from './mail-connection';
import { MailHostPolicy } from './mail-host-policy';
import { FolderRole, MailFolder } from './mail-folder.entity';
import { MailMessage } from './mail-message.entity';
import { MailError } from './mail.errors';
import { FolderSyncResult, MailSyncService } from './mail-sync.service';

const LOCK_TTL_MS = 45_000;
const RENEW_EVERY_MS = 15_000;
const MAX_BACKOFF_MS = 5 * 60_000;
const lockKey = (accountId: string): string => `mail:connection:${accountId}`;

/** Extends the lock only while this node still holds it. */
const RENEW_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** One account's live IMAP connection: full sync, then IDLE on the Inbox, polling the rest; reconnects with backoff. */
class AccountConnection {
  private client?: ImapFlow;
  private stopped = false;
  private chain: Promise<unknown> = Promise.resolve();
  private inboxQueued = false;
  private pollTimer?: NodeJS.Timeout;
  private wake?: () => void;
  readonly version: string;
  readonly done: Promise<void>;

  constructor(
    readonly account: MailAccount,
    private readonly owner: MailConnectionsService,
  ) {
    this.version = account.updatedAt.toISOString();
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    this.wake?.();
    await this.client?.logout().catch(() => this.client?.close());
    await this.done;
    await this.chain;
  }

  private async run(): Promise<void> {
    let backoff = 1000;
    const { id } = this.account;
    while (!this.stopped) {
      try {
        await this.session();
        backoff = 1000;
      } catch (error) {
        if (this.stopped) {
          break;
        }
        // Before the server greeted, one fixed sentence (what answered on the port is nobody's business);
        // a refused host says why; after the greeting the server's or the session's own words.
        const spoke = this.client !== undefined && imapSpoke(this.client);
        const message =
          spoke || error instanceof MailError
            ? (error as Error).message
            : describeFailure(error, false, 'IMAP').message;
        if (spoke && isAuthFailure(error as Error)) {
          await this.owner.reportState(this.account, MailSyncState.AuthError, message);
          await this.owner.release(id);
          return;
        }
        await this.owner.reportState(this.account, MailSyncState.ConnectError, message);
      } finally {
        clearInterval(this.pollTimer);
        this.client?.close();
        this.client = undefined;
      }
      if (!this.stopped) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, backoff).unref();
        });
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private async session(): Promise<void> {
    const { imap } = this.owner.credentials(this.account);
    this.client = undefined;
    // Checked before every connection: a setting saved earlier, or a name that now resolves elsewhere.
    await this.owner.hosts.resolve(imap.host, 'imap.host');
    const client = new ImapFlow({
      ...imapOptions(imap, this.owner.timeoutMs, this.owner.hosts.lookup),
      autoIdleDelay: 500,
    });
    this.client = client;
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.on('error', () => undefined);
    client.on('exists', () => this.kick('inbox'));
    client.on('expunge', () => this.kick('inbox'));
    client.on('flags', () => this.kick('inbox'));
    await this.owner.reportState(this.account, MailSyncState.Connecting);
    await client.connect();
    await this.owner.reportState(this.account, MailSyncState.Syncing);
    await this.owner.fullSync(client, this.account);
    await this.owner.reportState(this.account, MailSyncState.Idle);
    await client.mailboxOpen('INBOX');
    this.pollTimer = setInterval(() => this.kick('all'), this.owner.pollIntervalMs);
    this.pollTimer.unref();
    await closed;
    if (!this.stopped) {
      throw Object.assign(new Error('The IMAP server closed the connection'), { code: 'EConnectionClosed' });
    }
  }

  /** Serialises syncs on this connection; Inbox pushes arriving during a sync coalesce into one more pass. */
  private kick(scope: 'inbox' | 'all'): void {
    const client = this.client;
    if (!client || this.stopped) {
      return;
    }
    if (scope === 'inbox') {
      if (this.inboxQueued) {
        return;
      }
      this.inboxQueued = true;
    }
    this.chain = this.chain
      .then(async () => {
        if (scope === 'inbox') {
          this.inboxQueued = false;
          await this.owner.inboxSync(client, this.account);
        } else {
          await this.owner.fullSync(client, this.account);
        }
        if (client.usable) {
          await client.mailboxOpen('INBOX');
        }
      })
      .catch((error: Error) =>
        this.owner.logger.warn({ accountId: this.account.id, err: error.message }, 'mail sync pass failed'),
      );
  }
}

/**
 * Holds the live IMAP connections of a worker process: at most MAIL_MAX_CONNECTIONS, each account on exactly one
 * node of the cluster (a Redis lock renewed every 15 s; a dead node's accounts are taken over within ~45 s).
 * Runs only where APP_ROLE includes `worker`.
 */
@Injectable()
export class MailConnectionsService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly logger = new Logger(MailConnectionsService.name);
  private readonly node = randomUUID();
  private readonly live = new Map<string, AccountConnection>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfigService,
    private readonly accounts: MailAccountsService,
    private readonly sync: MailSyncService,
    private readonly events: DomainEventBus,
    private readonly realtime: RealtimeService,
    readonly hosts: MailHostPolicy,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  get timeoutMs(): number {
    return this.config.mailAccounts.connectTimeoutMs;
  }

  get pollIntervalMs(): number {
    return this.config.mailAccounts.pollIntervalMs;
  }

  private stopping = false;

  onApplicationBootstrap(): void {
    if (!this.config.role.worker) {
      return;
    }
    this.timer = setInterval(() => void this.reconcileAll(), RENEW_EVERY_MS);
    this.timer.unref();
    void this.reconcileAll();
  }

  /** Before the database and Redis close (onApplicationShutdown), so the connections can record their state. */
  async onModuleDestroy(): Promise<void> {
    // A connect job that a queue worker still runs during shutdown must not take a lock nobody will release.
    this.stopping = true;
    clearInterval(this.timer);
    await Promise.all([...this.live.keys()].map((id) => this.stopConnection(id)));
  }

  connectedAccounts(): string[] {
    return [...this.live.keys()];
  }

  /** Starts, restarts (settings changed) or stops the account's connection as its row says. */
  async reconcile(accountId: string): Promise<void> {
    const [account] = await this.em.fork().find(MailAccount, { id: accountId }, { populate: ACCOUNT_CREDENTIALS });
    await this.apply(accountId, account);
  }

  /** One query for every account this node may hold or already holds, then each is reconciled in turn. */
  private async reconcileAll(): Promise<void> {
    try {
      const live = [...this.live.keys()];
      const accounts = await this.em
        .fork()
        .find(
          MailAccount,
          { $or: [{ paused: false, syncState: { $ne: MailSyncState.AuthError } }, { id: { $in: live } }] },
          { populate: ACCOUNT_CREDENTIALS, limit: this.config.mailAccounts.maxConnections * 2 },
        );
      const byId = new Map(accounts.map((a) => [a.id, a]));
      for (const id of new Set([...byId.keys(), ...live])) {
        await this.apply(id, byId.get(id));
      }
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'mail connection reconcile failed');
    }
  }

  private async apply(accountId: string, account: MailAccount | undefined): Promise<void> {
    if (this.stopping) {
      return;
    }
    const current = this.live.get(accountId);
    const wanted = account && !account.paused && account.syncState !== MailSyncState.AuthError;
    if (current && (!wanted || current.version !== account.updatedAt.toISOString())) {
      await this.stopConnection(accountId);
    }
    if (!wanted || this.live.has(accountId)) {
      if (wanted) {
        await this.redis.eval(RENEW_SCRIPT, 1, lockKey(accountId), this.node, LOCK_TTL_MS);
      }
      return;
    }
    if (this.live.size >= this.config.mailAccounts.maxConnections) {
      return;
    }
    const acquired = await this.redis.set(lockKey(accountId), this.node, 'PX', LOCK_TTL_MS, 'NX');
    if (acquired && this.stopping) {
      // Shutdown began while the lock was being taken.
      await this.release(accountId);
    } else if (acquired) {
      this.live.set(accountId, new AccountConnection(account, this));
    }
  }

  private async stopConnection(accountId: string): Promise<void> {
    const connection = this.live.get(accountId);
    this.live.delete(accountId);
    await connection?.stop();
    await this.release(accountId);
  }

  /** Gives the account back at once, so another node (or this one, later) can take it without waiting for the TTL. */
  async release(accountId: string): Promise<void> {
    this.live.delete(accountId);
    await this.redis.eval(RELEASE_SCRIPT, 1, lockKey(accountId), this.node).catch(() => undefined);
  }

  credentials(account: MailAccount): ReturnType<MailAccountsService['stored']> {
    return this.accounts.stored(account);
  }

  async fullSync(client: ImapFlow, account: MailAccount): Promise<void> {
    await this.sync.syncAccount(client, account, { onFolderSynced: (acc, result) => this.announce(acc, result) });
  }

  async inboxSync(client: ImapFlow, account: MailAccount): Promise<void> {
    const folders = await this.em.fork().find(MailFolder, { account: account.id, role: FolderRole.Inbox });
    const inbox = folders[0]?.path ?? 'INBOX';
    await this.announce(account, await this.sync.syncFolder(client, account, inbox));
  }

  /** Never throws: a state that cannot be recorded (database away, shutting down) is logged. */
  async reportState(account: MailAccount, state: MailSyncState, error?: string): Promise<void> {
    try {
      await this.sync.setState(account.id, state, error);
      this.realtime.toUser(account.user.id, 'account.sync_state', {
        accountId: account.id,
        state,
        ...(error ? { error } : {}),
      });
      if (state === MailSyncState.AuthError || state === MailSyncState.ConnectError || state === MailSyncState.Idle) {
        await this.events.publish('mail.account_state', {
          organizationId: account.organization.id,
          data: {
            accountId: account.id,
            userId: account.user.id,
            state,
            error: error ?? null,
          },
        });
      }
    } catch (failure) {
      this.logger.warn(
        { accountId: account.id, state, err: (failure as Error).message },
        'mail account state not recorded',
      );
    }
  }

  /** Realtime `mail.updated` / `mail.deleted` / `mail.received` to the owner, and `mail.received` webhooks. */
  private async announce(account: MailAccount, result: FolderSyncResult): Promise<void> {
    const base = { accountId: account.id, folderId: result.folder.id };
    if (result.updatedIds.length > 0) {
      this.realtime.toUser(account.user.id, 'mail.updated', { ...base, ids: result.updatedIds });
    }
    if (result.removedIds.length > 0) {
      this.realtime.toUser(account.user.id, 'mail.deleted', { ...base, ids: result.removedIds });
    }
    if (result.received.length === 0) {
      return;
    }
    const messages = await this.em
      .fork()
      .find(MailMessage, { id: { $in: result.received } }, { fields: ['id', 'subject', 'from', 'internalDate'] });
    for (const message of messages) {
      this.realtime.toUser(account.user.id, 'mail.received', {
        ...base,
        id: message.id,
        subject: message.subject ?? null,
        from: message.from ?? null,
        internalDate: message.internalDate.toISOString(),
      });
      await this.events.publish('mail.received', {
        organizationId: account.organization.id,
        data: {
          accountId: account.id,
          userId: account.user.id,
          id: message.id,
          folder: result.folder.path,
          subject: message.subject ?? null,
          from: message.from ?? null,
          internalDate: message.internalDate.toISOString(),
        },
      });
    }
  }
}
