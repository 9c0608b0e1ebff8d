import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger as PinoLogger, type LoggerOptions } from 'pino';
import type { LogLevel } from 'src/config/env.schema';

/** Values that never reach a log line: credentials in headers, and secrets anywhere in logged objects. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.secret',
  '*.apiKey',
  '*.authorization',
  '*.smtpUrl',
];

const SECRET_QUERY = /([?&](?:token|access_token|refresh_token|code|key|api_key|password|secret|signature)=)[^&#]*/gi;

/** Masks secret-looking query parameters (`?token=…`) in a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[REDACTED]');
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honours a well-formed incoming `X-Request-Id`, otherwise generates one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID.test(value) ? value : randomUUID();
}

/** The request a log line was written in: set for the whole of each HTTP request by `registerRequestLog`. */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

export function pinoOptions(level: LogLevel, pretty: boolean): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    base: { service: 'switchboard' },
    // Every line written while a request runs carries its id, without a child logger per request.
    mixin: () => {
      const store = requestContext.getStore();
      return store ? { requestId: store.requestId } : {};
    },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  };
}

/**
 * The process's root logger: JSON lines to stdout through an asynchronous destination (lines logged while a
 * write is under way are written together; what is buffered is flushed at exit), or pretty lines through
 * pino-pretty's worker thread when `LOG_PRETTY` is set.
 */
export function createRootLogger(level: LogLevel, pretty: boolean): PinoLogger {
  const options = pinoOptions(level, pretty);
  return pretty ? pino(options) : pino(options, pino.destination({ dest: 1, sync: false }));
}

/** Paths whose successful answers are not logged (probes and scrapes would drown the log). */
const QUIET_PATHS = new Set(['/health/live', '/metrics']);

/**
 * One line per request, `request completed`, at `info` (`warn` for 4xx, `error` for 5xx), with the request id, the
 * method, the URL with secret query parameters masked, user agent, client address, status and response time; and
 * the request id on every other line logged while the request runs (`requestContext`).
 */
export function registerRequestLog(fastify: FastifyInstance, root: PinoLogger): void {
  // The request line is made of fields chosen here (no headers, the URL masked): it needs neither the root's
  // redaction, which walks every logged object, nor its mixin (the id is in the line). Same level, same output.
  const logger = pino(
    { level: root.level, base: { service: 'switchboard' } },
    (root as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym],
  );
  fastify.addHook('onRequest', (request, _reply, done) => {
    requestContext.run({ requestId: String(request.id) }, done);
  });
  // A body is parsed from socket events, outside the request's context: enter it again before guards and handler.
  fastify.addHook('preHandler', (request, _reply, done) => {
    if (requestContext.getStore()?.requestId === request.id) {
      done();
      return;
    }
    requestContext.run({ requestId: String(request.id) }, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const url = request.url;
    if (status < 400 && QUIET_PATHS.has(url)) {
      done();
      return;
    }
    const line = {
      requestId: String(request.id),
      req: {
        method: request.method,
        url: url.includes('?') ? redactUrl(url) : url,
        userAgent: request.headers['user-agent'],
        remoteAddress: request.ip,
      },
      res: { statusCode: status },
      responseTime: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (status >= 500) {
      logger.error(line, 'request completed');
    } else if (status >= 400) {
      logger.warn(line, 'request completed');
    } else {
      logger.info(line, 'request completed');
    }
    done();
  });
}

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * Nest's logger over pino: `new Logger('Context').warn({ err }, 'message')` or `.log('message')` become one JSON
 * line with `context` (the last argument), the object's fields and the message, plus the request id when logged
 * during a request.
 */
export class AppLogger implements LoggerService {
  constructor(readonly pino: PinoLogger) {}

  verbose(message: unknown, ...params: unknown[]): void {
    this.call('trace', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.call('debug', message, params);
  }
  log(message: unknown, ...params: unknown[]): void {
    this.call('info', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.call('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.call('error', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.call('fatal', message, params);
  }

  private call(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) {
      return;
    }
    const fields: Record<string, unknown> = {};
    let rest = params;
    if (params.length > 0) {
      fields.context = params[params.length - 1];
      rest = params.slice(0, -1);
    }
    if (typeof message === 'object' && message !== null) {
      if (message instanceof Error) {
        fields.err = message;
      } else {
        Object.assign(fields, message);
      }
      this.pino[level](fields, ...(rest as [string?]));
    } else if (
      // Nest's exception handlers call error(message, stack, context).
      level === 'error' &&
      typeof message === 'string' &&
      rest.length === 1 &&
      typeof rest[0] === 'string' &&
      /\n\s*at /.test(rest[0])
    ) {
      const err = new Error(message);
      err.stack = rest[0];
      this.pino.error({ ...fields, err });
    } else {
      this.pino[level](fields, String(message), ...(rest as []));
    }
  }
}
