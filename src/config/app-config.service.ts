import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { parseDuration, parseDurationList } from './duration';
import { AppRole, EnvSchema, LogLevel, NodeEnv } from './env.schema';

/** Typed, grouped access to the validated environment. Code outside `src/config/` never reads `process.env`. */
@Injectable()
export class AppConfigService {
  constructor(private readonly env: EnvSchema) {}

  private get<K extends keyof EnvSchema>(key: K): EnvSchema[K] {
    return this.env[key];
  }

  get nodeEnv(): NodeEnv {
    return this.get('NODE_ENV');
  }

  get isProduction(): boolean {
    return this.nodeEnv === NodeEnv.Production;
  }

  get role(): { name: AppRole; api: boolean; worker: boolean } {
    const name = this.get('APP_ROLE');
    return { name, api: name !== AppRole.Worker, worker: name !== AppRole.Api };
  }

  get http(): {
    port: number;
    host: string;
    bodyLimit: number;
    trustProxy: boolean;
    corsOrigins: string[] | '*' | false;
    publicUrl: string;
  } {
    const raw = this.get('CORS_ORIGINS').trim();
    const origins = raw
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    return {
      port: this.get('PORT'),
      host: this.get('HOST'),
      bodyLimit: this.get('BODY_LIMIT_BYTES'),
      trustProxy: this.get('TRUST_PROXY'),
      corsOrigins: raw === '*' ? '*' : origins.length > 0 ? origins : false,
      publicUrl: this.get('PUBLIC_URL').replace(/\/$/, ''),
    };
  }

  get db(): { url: string; poolMax: number } {
    return { url: this.get('DATABASE_URL'), poolMax: this.get('DATABASE_POOL_MAX') };
  }

  get redis(): { url: string } {
    return { url: this.get('REDIS_URL') };
  }

  get rateLimit(): { ttlMs: number; limit: number } {
    return { ttlMs: this.get('RATE_LIMIT_TTL_SECONDS') * 1000, limit: this.get('RATE_LIMIT_MAX') };
  }

  /** Requests per minute of each API key: the override, or undefined for the organization plan's own limit. */
  get apiKeyRateLimit(): { perMinute: number | undefined } {
    return { perMinute: this.get('API_KEY_RATE_LIMIT_PER_MINUTE') };
  }

  get log(): { level: LogLevel; pretty: boolean } {
    return { level: this.get('LOG_LEVEL'), pretty: this.get('LOG_PRETTY') };
  }

  get mail(): { smtpUrl: string | undefined; from: string; outboxDir: string } {
    return { smtpUrl: this.get('SMTP_URL'), from: this.get('MAIL_FROM'), outboxDir: this.get('MAIL_OUTBOX_DIR') };
  }

  /** `/metrics` access: the bearer token when set, else loopback clients only. */
  get metrics(): { token: string | undefined } {
    return { token: this.get('METRICS_TOKEN') };
  }

  get webhooks(): {
    retryScheduleMs: number[];
    timeoutMs: number;
    disableAfterMs: number;
    allowPrivateTargets: boolean;
  } {
    return {
      retryScheduleMs: parseDurationList(this.get('WEBHOOK_RETRY_SCHEDULE')),
      timeoutMs: this.get('WEBHOOK_TIMEOUT_MS'),
      disableAfterMs: parseDuration(this.get('WEBHOOK_DISABLE_AFTER')),
      allowPrivateTargets: this.get('WEBHOOK_ALLOW_PRIVATE_TARGETS'),
    };
  }

  get mailAccounts(): {
    connectTimeoutMs: number;
    allowInsecure: boolean;
    allowPrivateHosts: boolean;
    allowedHosts: string[];
    maxConnections: number;
    pollIntervalMs: number;
    parseThreads: number;
  } {
    return {
      connectTimeoutMs: this.get('MAIL_CONNECT_TIMEOUT_MS'),
      allowInsecure: this.get('MAIL_ALLOW_INSECURE'),
      allowPrivateHosts: this.get('MAIL_ALLOW_PRIVATE_HOSTS'),
      allowedHosts: this.get('MAIL_ALLOWED_HOSTS')
        .split(/[\s,]+/)
        .filter(Boolean),
      maxConnections: this.get('MAIL_MAX_CONNECTIONS'),
      pollIntervalMs: parseDuration(this.get('MAIL_POLL_INTERVAL')),
      parseThreads: this.get('MAIL_PARSE_THREADS') ?? Math.max(1, availableParallelism() - 1),
    };
  }

  get mailSend(): {
    attachmentMaxBytes: number;
    attachmentMaxFiles: number;
    ratePerMinute: number;
    poolConnections: number;
  } {
    return {
      attachmentMaxBytes: this.get('MAIL_ATTACHMENT_MAX_BYTES'),
      attachmentMaxFiles: this.get('MAIL_ATTACHMENT_MAX_FILES'),
      ratePerMinute: this.get('MAIL_SEND_RATE_PER_MINUTE'),
      poolConnections: this.get('MAIL_SEND_POOL_CONNECTIONS'),
    };
  }

  get chatAttachments(): { maxBytes: number; maxFiles: number } {
    return { maxBytes: this.get('CHAT_ATTACHMENT_MAX_BYTES'), maxFiles: this.get('CHAT_ATTACHMENT_MAX_FILES') };
  }

  get chat(): { sendRatePerMinute: number } {
    return { sendRatePerMinute: this.get('CHAT_SEND_RATE_PER_MINUTE') };
  }

  /** Meetings: the join token lifetime in seconds (MEETING_JOIN_TOKEN_TTL, `300`, `90s`, `5m`, `1h`). */
  get meetings(): { joinTokenTtlSeconds: number; emptyTimeoutMs: number; ffmpegPath: string } {
    const raw = this.get('MEETING_JOIN_TOKEN_TTL');
    const unit = raw.slice(-1);
    const factor = unit === 'h' ? 3600 : unit === 'm' ? 60 : 1;
    return {
      joinTokenTtlSeconds: Number.parseInt(raw, 10) * factor,
      emptyTimeoutMs: parseDuration(this.get('MEETING_EMPTY_TIMEOUT')),
      ffmpegPath: this.get('FFMPEG_PATH'),
    };
  }

  /** STUN/TURN for meeting clients: URLs plus either a shared secret (time-limited credentials) or fixed ones. */
  get turn(): {
    urls: string[];
    secret: string | undefined;
    credentialTtlSeconds: number;
    username: string | undefined;
    password: string | undefined;
  } {
    return {
      urls: (this.get('TURN_URLS') ?? '').split(',').filter(Boolean),
      secret: this.get('TURN_SECRET') || undefined,
      credentialTtlSeconds: Math.floor(parseDuration(this.get('TURN_CREDENTIAL_TTL')) / 1000),
      username: this.get('TURN_USERNAME') || undefined,
      password: this.get('TURN_PASSWORD') || undefined,
    };
  }

  get chatImport(): { maxBytes: number; syncValidateBytes: number } {
    return {
      maxBytes: this.get('CHAT_IMPORT_MAX_BYTES'),
      syncValidateBytes: this.get('CHAT_IMPORT_SYNC_VALIDATE_BYTES'),
    };
  }

  get sfu(): {
    workerBin: string | undefined;
    workerCache: string;
    workers: number;
    listenIp: string;
    announcedIp: string | undefined;
    rtcMinPort: number;
    rtcMaxPort: number;
  } {
    return {
      workerBin: this.get('MEDIASOUP_WORKER_BIN') || undefined,
      workerCache: this.get('MEDIASOUP_WORKER_CACHE') || join(homedir(), '.cache', 'switchboard'),
      workers: this.get('MEDIASOUP_WORKERS') ?? availableParallelism(),
      listenIp: this.get('MEDIASOUP_LISTEN_IP'),
      announcedIp: this.get('MEDIASOUP_ANNOUNCED_IP') || undefined,
      rtcMinPort: this.get('MEDIASOUP_RTC_MIN_PORT'),
      rtcMaxPort: this.get('MEDIASOUP_RTC_MAX_PORT'),
    };
  }

  get storage(): { dir: string; dataExportTtlMs: number; accountDeletionGraceMs: number } {
    return {
      dir: this.get('STORAGE_DIR'),
      dataExportTtlMs: parseDuration(this.get('DATA_EXPORT_TTL')),
      accountDeletionGraceMs: parseDuration(this.get('ACCOUNT_DELETION_GRACE')),
    };
  }

  get worker(): { concurrency: number } {
    return { concurrency: this.get('WORKER_CONCURRENCY') };
  }

  get reports(): { perHour: number } {
    return { perHour: this.get('REPORTS_PER_HOUR') };
  }

  get shutdownTimeoutMs(): number {
    return this.get('SHUTDOWN_TIMEOUT_MS');
  }

  get auth(): {
    jwtSecret: string;
    accessTtlSeconds: number;
    refreshTtlDays: number;
    rateLimit: number;
    lockout: {
      threshold: number;
      ipThreshold: number;
      seconds: number;
      sourceThreshold: number;
      delaySeconds: number;
      maxDelaySeconds: number;
      knownSourceDays: number;
    };
    guestQuotas: Record<string, number>;
    admin?: { email: string; password: string };
  } {
    const email = this.get('ADMIN_EMAIL');
    const password = this.get('ADMIN_PASSWORD');
    return {
      jwtSecret: this.get('JWT_SECRET'),
      accessTtlSeconds: this.get('JWT_ACCESS_TTL_SECONDS'),
      refreshTtlDays: this.get('REFRESH_TTL_DAYS'),
      rateLimit: this.get('AUTH_RATE_LIMIT_MAX'),
      lockout: {
        threshold: this.get('LOCKOUT_THRESHOLD'),
        ipThreshold: this.get('LOCKOUT_IP_THRESHOLD'),
        seconds: this.get('LOCKOUT_SECONDS'),
        sourceThreshold: this.get('LOCKOUT_SOURCE_THRESHOLD'),
        delaySeconds: this.get('LOCKOUT_DELAY_SECONDS'),
        maxDelaySeconds: this.get('LOCKOUT_DELAY_MAX_SECONDS'),
        knownSourceDays: this.get('LOCKOUT_KNOWN_SOURCE_DAYS'),
      },
      guestQuotas: { imports: this.get('GUEST_QUOTA_IMPORTS'), messages: this.get('GUEST_QUOTA_MESSAGES') },
      admin: email && password ? { email, password } : undefined,
    };
  }

  get encryptionKey(): Buffer {
    return Buffer.from(this.get('ENCRYPTION_KEY'), 'base64');
  }

  /** Keys ENCRYPTION_KEY replaced, still accepted for opening secrets. */
  get previousEncryptionKeys(): Buffer[] {
    const list = this.get('ENCRYPTION_KEYS_PREVIOUS');
    return list ? list.split(',').map((k) => Buffer.from(k, 'base64')) : [];
  }
}
