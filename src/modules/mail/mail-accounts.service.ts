import { EntityManager, LockMode, QueryOrder, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Resolver } from 'node:dns/promises';
import { AuthUser } from 'src/common/auth/auth-user';
import { SecretBox } from 'src/common/crypto/secret-box';
import { PageQueryDto } from 'src/common/http/pagination.dto';
import { AppConfigService } from 'src/config/app-config.service';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { Organization } from 'src/modules/organizations/organization.entity';
import { QuotaKey } from 'src/modules/organizations/plans';
import { UsageService } from 'src/modules/organizations/usage.service';
import { JobPayloads } from 'src/queue/queue.types';
import { MAIL_QUEUE, MailJob } from './mail.jobs';
import { ACCOUNT_CREDENTIALS, MailAccount, MailSecurity, MailSyncState } from './mail-account.entity';
import { dnsFailure, ServerCredentials, SideResult, testImap, testSmtp } from './mail-connection';
import { MailHostPolicy } from './mail-host-policy';
import { conventionalGuess, domainOf, knownProvider, providerFromMx, ProviderSettings } from './mail-providers';
import {
  AutodiscoverDto,
  ConnectionTestDto,
  CreateMailAccountDto,
  MailAccountDto,
  MailAccountPageDto,
  ServerSettingsDto,
  TestMailAccountDto,
  UpdateMailAccountDto,
} from './mail.dto';
import { MailError, MailErrorCode } from './mail.errors';

const DNS_TIMEOUT_MS = 1500;

export function toMailAccountDto(account: MailAccount): MailAccountDto {
  return {
    id: account.id,
    email: account.email,
    name: account.name ?? null,
    imap: { host: account.imapHost, port: account.imapPort, security: account.imapSecurity, user: account.imapUser },
    smtp: { host: account.smtpHost, port: account.smtpPort, security: account.smtpSecurity, user: account.smtpUser },
    paused: account.paused,
    syncState: account.syncState,
    lastError: account.lastError ?? null,
    lastErrorAt: account.lastErrorAt?.toISOString() ?? null,
    lastSyncedAt: account.lastSyncedAt?.toISOString() ?? null,
    createdAt: account.createdAt.toISOString(),
  };
}

/**
 * Mail accounts: a member's own mailboxes inside an organization. Settings are checked against the real servers
 * before they are saved; passwords are sealed with the SecretBox and never returned.
 */
@Injectable()
export class MailAccountsService {
  private readonly logger = new Logger(MailAccountsService.name);
  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfigService,
    private readonly box: SecretBox,
    private readonly usage: UsageService,
    private readonly hosts: MailHostPolicy,
    @InjectQueue(MAIL_QUEUE) private readonly queue: Queue<JobPayloads[MailJob.ConnectMailAccount]>,
  ) {}

  /** Known providers first, then what the domain's MX or SRV records (RFC 6186) reveal, then the usual names. */
  async autodiscover(email: string): Promise<AutodiscoverDto> {
    const domain = domainOf(email);
    const user = (settings: ProviderSettings): string =>
      settings.provider === 'iCloud Mail' ? email.slice(0, email.indexOf('@')) : email;
    const view = (settings: ProviderSettings, source: AutodiscoverDto['source']): AutodiscoverDto => ({
      provider: settings.provider,
      source,
      imap: { ...settings.imap, user: user(settings) },
      smtp: { ...settings.smtp, user: user(settings) },
      appPassword: settings.appPassword,
      notes: settings.notes,
    });
    const known = knownProvider(domain);
    if (known) {
      return view(known, 'known-provider');
    }
    const resolver = new Resolver({ timeout: DNS_TIMEOUT_MS, tries: 1 });
    const [mx, imaps, submission] = await Promise.all([
      resolver.resolveMx(domain).catch(() => []),
      resolver.resolveSrv(`_imaps._tcp.${domain}`).catch(() => []),
      resolver.resolveSrv(`_submission._tcp.${domain}`).catch(() => []),
    ]);
    const byMx = providerFromMx(mx.sort((a, b) => a.priority - b.priority).map((r) => r.exchange));
    if (byMx) {
      return view(byMx, 'mx');
    }
    const guess = conventionalGuess(domain);
    const imapSrv = imaps.filter((r) => r.name !== '.').sort((a, b) => a.priority - b.priority)[0];
    if (imapSrv) {
      const smtpSrv = submission.filter((r) => r.name !== '.').sort((a, b) => a.priority - b.priority)[0];
      return view(
        {
          ...guess,
          imap: { host: imapSrv.name, port: imapSrv.port, security: MailSecurity.Tls },
          smtp: smtpSrv ? { host: smtpSrv.name, port: smtpSrv.port, security: MailSecurity.StartTls } : guess.smtp,
        },
        'srv',
      );
    }
    return view(guess, 'guess');
  }

  /**
   * 200 when both sides log in; 400 MAIL_HOST_NOT_ALLOWED (before any connection) for a host outside the
   * MailHostPolicy; otherwise 422 naming the side and the stage (dns, unreachable, tls, auth, protocol).
   */
  async test(dto: TestMailAccountDto): Promise<ConnectionTestDto> {
    const { imap, smtp } = this.credentials(dto);
    const result = await this.check(imap, smtp);
    this.assertPassed(result);
    return result;
  }

  async create(org: OrgContext, actor: AuthUser, dto: CreateMailAccountDto): Promise<MailAccountDto> {
    const { imap, smtp } = this.credentials(dto);
    this.assertPassed(await this.check(imap, smtp));
    const account = await this.em.transactional(async (em) => {
      // Serialised per organization (row lock) so the mail_accounts quota holds under parallel requests.
      const organization = await em.findOneOrFail(Organization, org.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
      this.usage.assertRoom(organization, QuotaKey.MailAccounts, await em.count(MailAccount, { organization: org.id }));
      const created = em.create(MailAccount, {
        organization: org.id,
        user: actor.id,
        email: dto.email,
        name: dto.name,
        ...this.columns(imap, smtp),
      });
      try {
        await em.flush();
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException) {
          throw new MailError(MailErrorCode.AccountExists, `${dto.email} is already connected`, { field: 'email' });
        }
        throw error;
      }
      return created;
    });
    this.logger.log({ accountId: account.id, organizationId: org.id }, 'mail account added');
    await this.reconnect(account.id);
    return toMailAccountDto(account);
  }

  async list(org: OrgContext, actor: AuthUser, page: PageQueryDto): Promise<MailAccountPageDto> {
    const [items, total] = await this.em.findAndCount(
      MailAccount,
      { organization: org.id, user: actor.id },
      { orderBy: { createdAt: QueryOrder.ASC, id: QueryOrder.ASC }, limit: page.limit, offset: page.offset },
    );
    return { items: items.map(toMailAccountDto), total, limit: page.limit, offset: page.offset };
  }

  async get(org: OrgContext, actor: AuthUser, id: string): Promise<MailAccountDto> {
    return toMailAccountDto(await this.owned(org, actor, id));
  }

  /** Changed connection settings or passwords are tested before they replace the old ones. */
  async update(org: OrgContext, actor: AuthUser, id: string, dto: UpdateMailAccountDto): Promise<MailAccountDto> {
    const account = await this.owned(org, actor, id, true);
    if (dto.name !== undefined) {
      account.name = dto.name;
    }
    if (dto.imap || dto.smtp || dto.password) {
      const current = this.stored(account);
      const { imap, smtp } = this.credentials({
        email: account.email,
        password: dto.password,
        imap: this.merge(current.imap, dto.imap, dto.password),
        smtp: this.merge(current.smtp, dto.smtp, dto.password),
      });
      this.assertPassed(await this.check(imap, smtp));
      Object.assign(account, this.columns(imap, smtp));
      account.syncState = account.paused ? MailSyncState.Paused : MailSyncState.Pending;
      account.lastError = undefined;
      account.lastErrorAt = undefined;
    }
    await this.em.flush();
    await this.reconnect(account.id);
    return toMailAccountDto(account);
  }

  async setPaused(org: OrgContext, actor: AuthUser, id: string, paused: boolean): Promise<MailAccountDto> {
    const account = await this.owned(org, actor, id);
    account.paused = paused;
    account.syncState = paused ? MailSyncState.Paused : MailSyncState.Pending;
    await this.em.flush();
    await this.reconnect(account.id);
    return toMailAccountDto(account);
  }

  /** Deletes the account and, by cascade, everything synced from it. Nothing on the server is touched. */
  async remove(org: OrgContext, actor: AuthUser, id: string): Promise<void> {
    const removed = await this.em.nativeDelete(MailAccount, { id, organization: org.id, user: actor.id });
    if (removed === 0) {
      throw new MailError(MailErrorCode.AccountNotFound, `Mail account ${id} not found`);
    }
    await this.reconnect(id);
  }

  /** Asks the worker holding (or able to take) the account's connection to reconcile it with the saved row. */
  private async reconnect(accountId: string): Promise<void> {
    await this.queue.add(
      MailJob.ConnectMailAccount,
      { accountId },
      { jobId: `mail-connect-${accountId}-${Date.now()}` },
    );
  }

  /** The account's decrypted IMAP and SMTP credentials, for the sync and send workers. */
  stored(account: MailAccount): { imap: ServerCredentials; smtp: ServerCredentials } {
    return {
      imap: {
        host: account.imapHost,
        port: account.imapPort,
        security: account.imapSecurity,
        user: account.imapUser,
        password: this.box.open(account.imapPasswordSealed),
      },
      smtp: {
        host: account.smtpHost,
        port: account.smtpPort,
        security: account.smtpSecurity,
        user: account.smtpUser,
        password: this.box.open(account.smtpPasswordSealed),
      },
    };
  }

  private merge(
    current: ServerCredentials,
    change: ServerSettingsDto | undefined,
    password?: string,
  ): ServerSettingsDto {
    return {
      host: change?.host ?? current.host,
      port: change?.port ?? current.port,
      security: change?.security ?? current.security,
      user: change?.user ?? current.user,
      password: change?.password ?? password ?? current.password,
    };
  }

  private credentials(dto: TestMailAccountDto): { imap: ServerCredentials; smtp: ServerCredentials } {
    const side = (name: 'imap' | 'smtp'): ServerCredentials => {
      const settings = dto[name];
      const password = settings.password ?? dto.password;
      if (!password) {
        throw new MailError(MailErrorCode.PasswordMissing, `Send password, or ${name}.password`, {
          field: `${name}.password`,
        });
      }
      if (settings.security === MailSecurity.None && !this.config.mailAccounts.allowInsecure) {
        throw new MailError(
          MailErrorCode.InsecureRefused,
          `${name} without TLS is refused: use security "tls" or "starttls"`,
          { field: `${name}.security` },
        );
      }
      return {
        host: settings.host,
        port: settings.port,
        security: settings.security,
        user: settings.user ?? dto.email,
        password,
      };
    };
    return { imap: side('imap'), smtp: side('smtp') };
  }

  /** Both hosts are checked before either side connects: a refused host gets no connection at all. */
  private async check(imap: ServerCredentials, smtp: ServerCredentials): Promise<ConnectionTestDto> {
    const started = Date.now();
    const [imapTarget, smtpTarget] = await Promise.allSettled([
      this.hosts.resolve(imap.host, 'imap.host'),
      this.hosts.resolve(smtp.host, 'smtp.host'),
    ]);
    for (const target of [imapTarget, smtpTarget]) {
      if (target.status === 'rejected' && target.reason instanceof MailError) {
        throw target.reason;
      }
    }
    const timeout = this.config.mailAccounts.connectTimeoutMs;
    const [imapResult, smtpResult] = await Promise.all([
      imapTarget.status === 'fulfilled' ? testImap(imap, timeout, this.hosts.lookup) : dnsFailure(started),
      smtpTarget.status === 'fulfilled' ? testSmtp(smtp, smtpTarget.value[0].address, timeout) : dnsFailure(started),
    ]);
    return { imap: imapResult, smtp: smtpResult };
  }

  private assertPassed(result: { imap: SideResult; smtp: SideResult }): void {
    if (!result.imap.ok || !result.smtp.ok) {
      const failed = [result.imap.ok ? undefined : 'IMAP', result.smtp.ok ? undefined : 'SMTP'].filter(Boolean);
      throw new MailError(
        MailErrorCode.ConnectionFailed,
        `${failed.join(' and ')} connection failed: ${[result.imap.message, result.smtp.message].filter(Boolean).join('; ')}`,
        result,
      );
    }
  }

  private columns(
    imap: ServerCredentials,
    smtp: ServerCredentials,
  ): Pick<
    MailAccount,
    | 'imapHost'
    | 'imapPort'
    | 'imapSecurity'
    | 'imapUser'
    | 'imapPasswordSealed'
    | 'smtpHost'
    | 'smtpPort'
    | 'smtpSecurity'
    | 'smtpUser'
    | 'smtpPasswordSealed'
  > {
    return {
      imapHost: imap.host,
      imapPort: imap.port,
      imapSecurity: imap.security,
      imapUser: imap.user,
      imapPasswordSealed: this.box.seal(imap.password),
      smtpHost: smtp.host,
      smtpPort: smtp.port,
      smtpSecurity: smtp.security,
      smtpUser: smtp.user,
      smtpPasswordSealed: this.box.seal(smtp.password),
    };
  }

  /** One of the caller's own accounts in the organization; 404 for anyone else's. */
  async owned(org: OrgContext, actor: AuthUser, id: string, withSecrets = false): Promise<MailAccount> {
    const account = await this.em.findOne(
      MailAccount,
      { id, organization: org.id, user: actor.id },
      withSecrets ? { populate: ACCOUNT_CREDENTIALS } : {},
    );
    if (!account) {
      throw new MailError(MailErrorCode.AccountNotFound, `Mail account ${id} not found`);
    }
    return account;
  }
}
