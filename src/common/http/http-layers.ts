/**
 * The layers every HTTP request passes through, in order. The application always runs all of them
 * (`ALL_HTTP_LAYERS`); `npm run bench:pipeline` builds the same app with a prefix of them to price each one.
 */
export enum HttpLayer {
  /** Body parsers and hostile-input checks, security headers (helmet) and the `X-Request-Id` header. */
  Hardening = 'hardening',
  /** `http_requests_total` and `http_request_duration_seconds`. */
  Metrics = 'metrics',
  /** One structured log line per request, and the request id on every line logged while it runs. */
  RequestLog = 'request-log',
  /** The per-IP limits shared by every node (`RATE_LIMIT_MAX`, `AUTH_RATE_LIMIT_MAX`). */
  RateLimit = 'rate-limit',
  /** Bearer tokens and API keys, the session check and global roles. */
  Auth = 'auth',
  /** Bodies, queries and path parameters checked against their DTOs. */
  Validation = 'validation',
  /** `X-Organization-Id`, the member's role and permission, the IP allowlist and plan features. */
  Organization = 'organization',
  /** gzip / brotli for responses over the threshold. */
  Compression = 'compression',
}

export const ALL_HTTP_LAYERS: readonly HttpLayer[] = Object.values(HttpLayer);
