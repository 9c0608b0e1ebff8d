import { plainToInstance, Transform, Type } from 'class-transformer';
import { AllowList } from 'src/common/net/address-policy';
import { DURATION, DURATION_LIST } from './duration';
import {
  IsBoolean,
  IsEmail,
  IsEnum,
  IsIn,
  IsInt,
  IsIP,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  validateSync,
  ValidationError,
} from 'class-validator';

export enum NodeEnv {
  Development = 'development',
  Production = 'production',
  Test = 'test',
}

export enum AppRole {
  Api = 'api',
  Worker = 'worker',
  All = 'all',
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') {
    return value;
  }
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalized)) {
    return true;
  }
  if (['false', '0', 'no', 'off', ''].includes(normalized)) {
    return false;
  }
  return value;
};

/** A comma-separated list of host names, IP addresses and CIDR ranges (AllowList's own parser decides). */
const IsHostList = (): PropertyDecorator =>
  ValidateBy({
    name: 'isHostList',
    validator: {
      validate: (value: unknown): boolean => {
        if (typeof value !== 'string') {
          return false;
        }
        try {
          new AllowList(value);
          return true;
        } catch {
          return false;
        }
      },
      defaultMessage: (args) => {
        try {
          new AllowList(String(args?.value));
          return `${args?.property} must be a comma-separated list of host names, IP addresses and CIDR ranges`;
        } catch (error) {
          return `${args?.property}: ${(error as Error).message}`;
        }
      },
    },
  });

const POSTGRES_URL = /^postgres(ql)?:\/\/.+/;
const REDIS_URL = /^rediss?:\/\/.+/;
const SMTP_URL = /^smtps?:\/\/.+/;

/**
 * Every environment variable Switchboard reads, validated once at boot.
 * `.env.example` documents each one; keep the two in step.
 */
export class EnvSchema {
  @IsEnum(NodeEnv)
  NODE_ENV: NodeEnv = NodeEnv.Development;

  @IsEnum(AppRole)
  APP_ROLE: AppRole = AppRole.All;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @Matches(POSTGRES_URL, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL!: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_MAX = 10;

  @Matches(REDIS_URL, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL!: string;

  /** Comma-separated list of allowed origins, or `*` for any. Empty disables CORS. */
  @IsString()
  CORS_ORIGINS = '';

  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024 * 1024)
  BODY_LIMIT_BYTES = 1024 * 1024;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_TTL_SECONDS = 60;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_MAX = 300;

  /** When set, every API key's requests per minute, instead of its organization plan's `api_requests_per_minute`. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  API_KEY_RATE_LIMIT_PER_MINUTE?: number;

  @Transform(toBoolean)
  @IsBoolean()
  TRUST_PROXY = false;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @Transform(toBoolean)
  @IsBoolean()
  LOG_PRETTY = false;

  @IsOptional()
  @Matches(SMTP_URL, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  /**
   * Bearer token for `GET /metrics`. Unset: `/metrics` answers only clients on the loopback interface that came
   * through no proxy (no Forwarded / X-Forwarded-For header).
   */
  @IsOptional()
  @Matches(/^[\x21-\x7e]{16,256}$/, { message: 'METRICS_TOKEN must be 16-256 visible ASCII characters' })
  METRICS_TOKEN?: string;

  @IsEmail({ allow_display_name: true, require_tld: false })
  MAIL_FROM = 'Switchboard <no-reply@switchboard.localhost>';

  @IsString()
  MAIL_OUTBOX_DIR = '.data/outbox';

  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  PUBLIC_URL = 'http://localhost:3000';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_CONCURRENCY = 4;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  /** HMAC key for access tokens (HS256). At least 32 characters; `npm start` generates one into .data/. */
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET!: string;

  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(3600)
  JWT_ACCESS_TTL_SECONDS = 900;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(365)
  REFRESH_TTL_DAYS = 30;

  /** 32 bytes, base64: encrypts secrets at rest (TOTP seeds, mail credentials) with AES-256-GCM. */
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'ENCRYPTION_KEY must be 32 bytes in base64 (openssl rand -base64 32)' })
  ENCRYPTION_KEY!: string;

  /**
   * Comma-separated keys that ENCRYPTION_KEY replaced: secrets sealed under them still open. Run
   * `npm run secrets:reseal` to move every secret to the current key, then drop them.
   */
  @IsOptional()
  @Matches(/^([A-Za-z0-9+/]{43}=(,[A-Za-z0-9+/]{43}=)*)?$/, {
    message: 'ENCRYPTION_KEYS_PREVIOUS must be comma-separated 32-byte base64 keys',
  })
  ENCRYPTION_KEYS_PREVIOUS?: string;

  /**
   * Delay before each webhook delivery attempt, the first usually 0 (Svix's schedule). The number of entries is
   * the number of attempts.
   */
  @Matches(DURATION_LIST, { message: 'WEBHOOK_RETRY_SCHEDULE must be durations like 0,5s,5m,30m,2h,5h,10h,10h' })
  WEBHOOK_RETRY_SCHEDULE = '0,5s,5m,30m,2h,5h,10h,10h';

  /** A webhook attempt succeeds on a 2xx answered within this time. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_TIMEOUT_MS = 15_000;

  /** An endpoint that has failed every attempt for this long (and at least 3 in a row) is disabled. */
  @Matches(DURATION, { message: 'WEBHOOK_DISABLE_AFTER must be a duration like 5d' })
  WEBHOOK_DISABLE_AFTER = '5d';

  /** Allow webhook URLs on loopback and private networks (off: such targets are refused, against SSRF). */
  @Transform(toBoolean)
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE_TARGETS = false;

  /** Connect and greeting timeout for users' IMAP and SMTP servers (connection tests, sync, sending). */
  @Type(() => Number)
  @IsInt()
  @Min(500)
  @Max(120_000)
  MAIL_CONNECT_TIMEOUT_MS = 10_000;

  /** Allow mail accounts without TLS (security "none"), e.g. a local test server. Off: refused with 400. */
  @Transform(toBoolean)
  @IsBoolean()
  MAIL_ALLOW_INSECURE = false;

  /**
   * Allow mail servers on private networks for every account: RFC 1918, carrier-grade NAT (100.64/10) and IPv6
   * unique-local addresses. Loopback is not included (see MAIL_ALLOWED_HOSTS); link-local, cloud metadata,
   * multicast and reserved addresses are never allowed.
   */
  @Transform(toBoolean)
  @IsBoolean()
  MAIL_ALLOW_PRIVATE_HOSTS = false;

  /**
   * Host names, IP addresses and CIDR ranges (comma-separated) whose private or loopback addresses mail accounts may
   * use, e.g. `mail.lan,10.20.0.0/16` or `127.0.0.1` for a server on this machine.
   */
  @IsString()
  @IsHostList()
  MAIL_ALLOWED_HOSTS = '';

  /** Live IMAP connections (one per synced account) a worker process holds at most. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  MAIL_MAX_CONNECTIONS = 200;

  /**
   * Worker threads that parse synced messages (mailparser + sanitize-html) beside the event loop that talks IMAP and
   * PostgreSQL. Unset: one less than the CPUs (at least 1); 0 parses on the main thread.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(64)
  MAIL_PARSE_THREADS?: number;

  /** How often every folder of a connected account is re-synced (the Inbox is pushed by IDLE). */
  @Matches(DURATION, { message: 'MAIL_POLL_INTERVAL must be a duration like 5m' })
  MAIL_POLL_INTERVAL = '5m';

  /** Largest attachment upload (one file), and the largest total of one message's attachments. */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(100 * 1024 * 1024)
  MAIL_ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024;

  /** Files per upload request, and attachments per message. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  MAIL_ATTACHMENT_MAX_FILES = 20;

  /** Largest file shared in chat (one upload part). */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024 * 1024)
  CHAT_ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024;

  /** Files per chat upload request, and attachments per chat message. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  CHAT_ATTACHMENT_MAX_FILES = 10;

  /** Largest chat export accepted by `POST /chat/imports` (the `file` part; 413 beyond). */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024 * 1024)
  CHAT_IMPORT_MAX_BYTES = 64 * 1024 * 1024;

  /** Chat exports up to this size are parsed whole in the request (a malformed one is a 400 naming the line). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  CHAT_IMPORT_SYNC_VALIDATE_BYTES = 1024 * 1024;

  /** Messages one mail account may submit per minute (send, scheduled send, sending a draft). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  MAIL_SEND_RATE_PER_MINUTE = 60;

  /** Reports (abuse, bugs) one user may file per hour; 429 REPORT_RATE_LIMITED beyond. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  REPORTS_PER_HOUR = 20;

  /** SMTP connections of one account's pooled transport in a worker process. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20)
  MAIL_SEND_POOL_CONNECTIONS = 2;

  /** Chat messages one user may send per minute (all conversations and organizations together). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  CHAT_SEND_RATE_PER_MINUTE = 120;

  /** Files Switchboard keeps (data exports, later attachments): a directory every api and worker node shares. */
  @IsString()
  STORAGE_DIR = '.data/storage';

  /** How long a data export stays downloadable. */
  @Matches(DURATION, { message: 'DATA_EXPORT_TTL must be a duration like 7d' })
  DATA_EXPORT_TTL = '7d';

  /** Between `DELETE /settings/account` and the deletion; the user may cancel meanwhile. */
  @Matches(DURATION, { message: 'ACCOUNT_DELETION_GRACE must be a duration like 14d' })
  ACCOUNT_DELETION_GRACE = '14d';

  /** First administrator, created at start when no admin exists. */
  @IsOptional()
  @IsEmail({ require_tld: false })
  ADMIN_EMAIL?: string;

  @ValidateIf((env: EnvSchema) => Boolean(env.ADMIN_EMAIL))
  @IsString({ message: 'ADMIN_PASSWORD is required when ADMIN_EMAIL is set' })
  @MinLength(10, { message: 'ADMIN_PASSWORD must be at least 10 characters' })
  ADMIN_PASSWORD?: string;

  /** Requests per minute per client IP on the auth routes (login, register, refresh, resets). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  AUTH_RATE_LIMIT_MAX = 20;

  /**
   * Failed logins on one account from sources it does not know (no device token or IP of an earlier successful
   * login) before the account is locked for such sources (423) for LOCKOUT_SECONDS and its owner is mailed an
   * unlock link. Known devices and IPs, and a valid second factor, still sign in.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  LOCKOUT_THRESHOLD = 10;

  /** Failed logins from one IP (any account) before that IP is refused for LOCKOUT_SECONDS. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  LOCKOUT_IP_THRESHOLD = 50;

  /** Length of an account lock, and the window failures are counted in. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  LOCKOUT_SECONDS = 900;

  /** Failed logins per (account, source) before each further attempt from that source must wait (429). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  LOCKOUT_SOURCE_THRESHOLD = 5;

  /** First wait past LOCKOUT_SOURCE_THRESHOLD; it doubles with every further failure, up to the maximum. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  LOCKOUT_DELAY_SECONDS = 2;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  LOCKOUT_DELAY_MAX_SECONDS = 900;

  /** How long a device token or IP stays known after its last successful login to an account. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  LOCKOUT_KNOWN_SOURCE_DAYS = 90;

  /**
   * The mediasoup worker binary. Unset: the one `scripts/mediasoup-worker.sh` builds and caches
   * (`~/.cache/switchboard/mediasoup-worker-<version>/mediasoup-worker`, or under MEDIASOUP_WORKER_CACHE).
   */
  @IsOptional()
  @Matches(/^(\/.+)?$/, { message: 'MEDIASOUP_WORKER_BIN must be an absolute path' })
  MEDIASOUP_WORKER_BIN?: string;

  /** Where scripts/mediasoup-worker.sh keeps built workers (default ~/.cache/switchboard). */
  @IsOptional()
  @Matches(/^(\/.+)?$/, { message: 'MEDIASOUP_WORKER_CACHE must be an absolute path' })
  MEDIASOUP_WORKER_CACHE?: string;

  /** mediasoup workers (processes) per API node; unset = one per CPU. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  MEDIASOUP_WORKERS?: number;

  /** Local address the WebRTC transports listen on (0.0.0.0 for every interface). */
  @IsIP()
  MEDIASOUP_LISTEN_IP = '127.0.0.1';

  /** The public address given to clients when the listen address is not reachable (NAT, cloud VM). */
  @IsOptional()
  @ValidateIf((_o, v) => v !== '')
  @IsIP()
  MEDIASOUP_ANNOUNCED_IP?: string;

  /** UDP/TCP port range of the WebRTC transports (open it in the firewall). */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(65535)
  MEDIASOUP_RTC_MIN_PORT = 40000;

  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(65535)
  MEDIASOUP_RTC_MAX_PORT = 49999;

  /** Lifetime of a meeting join token (`POST /video/meetings/{id}/join-token`): seconds, or with s/m/h (`5m`). */
  @Matches(/^[1-9][0-9]*[smh]?$/, { message: 'MEETING_JOIN_TOKEN_TTL must be a duration like 300, 90s, 5m or 1h' })
  MEETING_JOIN_TOKEN_TTL = '5m';

  /** A live meeting nobody is in ends after this long (a duration like 2m); `0` keeps it live until stopped. */
  @Matches(DURATION, { message: 'MEETING_EMPTY_TIMEOUT must be a duration like 2m, or 0' })
  MEETING_EMPTY_TIMEOUT = '2m';

  /** The ffmpeg binary meeting recordings run (Debian package `ffmpeg`); a name is looked up on the PATH. */
  @IsString()
  FFMPEG_PATH = 'ffmpeg';

  /** STUN/TURN servers handed to meeting clients: comma-separated `stun:`, `turn:` or `turns:` URLs. */
  @IsOptional()
  @Matches(/^$|^(stuns?|turns?):[^,\s]+(,(stuns?|turns?):[^,\s]+)*$/, {
    message: 'TURN_URLS must be comma-separated stun:, turn: or turns: URLs',
  })
  TURN_URLS?: string;

  /** The TURN server's shared secret (coturn `static-auth-secret`): clients get credentials valid TURN_CREDENTIAL_TTL. */
  @IsOptional()
  @IsString()
  TURN_SECRET?: string;

  @Matches(DURATION, { message: 'TURN_CREDENTIAL_TTL must be a duration like 12h' })
  TURN_CREDENTIAL_TTL = '12h';

  /** Fixed TURN credentials, used when TURN_SECRET is not set. */
  @IsOptional()
  @IsString()
  TURN_USERNAME?: string;

  @IsOptional()
  @IsString()
  TURN_PASSWORD?: string;

  /** Quotas of a guest account (`POST /auth/guest`), enforced by the modules through QuotaService. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  GUEST_QUOTA_IMPORTS = 2;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  GUEST_QUOTA_MESSAGES = 200;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

function describe(errors: ValidationError[]): { variable: string; message: string }[] {
  return errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) => ({
      variable: error.property,
      message: message.startsWith(error.property) ? message : `${error.property}: ${message}`,
    })),
  );
}

/**
 * Used by `ConfigModule.forRoot({ validate })`: throws naming every bad or missing variable.
 * `only` limits the check to some variables, for tools that need just those (the migration CLI).
 */
export function validateEnv(raw: Record<string, unknown>, only?: (keyof EnvSchema)[]): EnvSchema {
  const env = plainToInstance(EnvSchema, raw, { exposeDefaultValues: true });
  const problems = describe(validateSync(env, { skipMissingProperties: false, whitelist: false })).filter(
    (problem) => !only || only.includes(problem.variable as keyof EnvSchema),
  );
  if (problems.length > 0) {
    throw new ConfigValidationError(problems);
  }
  return env;
}
