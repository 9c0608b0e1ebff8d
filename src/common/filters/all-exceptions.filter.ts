import {
  NotFoundError,
  ForeignKeyConstraintViolationException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, PlatformErrorCode } from 'src/common/errors/app-error';
import { codeForStatus } from 'src/common/errors/error-status';
import { ErrorResponseDto } from 'src/common/http/error-response.dto';
import { redactUrl } from 'src/common/logging/logging';

interface Resolved {
  status: number;
  code: string;
  message: string;
  details?: unknown;
}

/** Fastify's own errors (body too large, bad JSON, wrong content type) carry a status and an FST_ code. */
function isFastifyError(error: unknown): error is Error & { statusCode: number; code?: string } {
  return error instanceof Error && typeof (error as { statusCode?: unknown }).statusCode === 'number';
}

function httpMessage(exception: HttpException): { message: string; details?: unknown } {
  const body = exception.getResponse();
  if (typeof body === 'string') {
    return { message: body };
  }
  const { message } = body as { message?: unknown };
  if (Array.isArray(message)) {
    return { message: exception.message, details: message };
  }
  return { message: typeof message === 'string' ? message : exception.message };
}

/**
 * The one place errors become HTTP responses: `{ statusCode, code, message, details?, requestId }` for every
 * failure, including validation, unknown routes, Fastify's body errors and rate limits. 4xx are logged at warn
 * without a stack; 5xx at error with the stack, and their body says only `INTERNAL` and the request id.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') {
      throw exception;
    }
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const resolved = this.resolve(exception, request);

    const body: ErrorResponseDto = {
      statusCode: resolved.status,
      code: resolved.code,
      message: resolved.message,
      ...(resolved.details === undefined ? {} : { details: resolved.details }),
      requestId: String(request.id),
    };
    const context = {
      requestId: body.requestId,
      code: resolved.code,
      status: resolved.status,
      method: request.method,
      url: redactUrl(request.url),
    };
    if (resolved.status >= 500) {
      this.logger.error({ ...context, err: exception }, 'request failed');
    } else {
      this.logger.warn({ ...context, reason: resolved.message }, 'request rejected');
    }
    if (exception instanceof AppError && exception.retryAfterSeconds && resolved.status < 500) {
      void reply.header('Retry-After', String(exception.retryAfterSeconds));
    }
    this.adapterHost.httpAdapter.reply(reply, body, resolved.status);
  }

  private resolve(exception: unknown, request: FastifyRequest): Resolved {
    if (exception instanceof AppError) {
      const error = exception as AppError<string>;
      const status: number = error.status;
      return status >= 500 && status !== 503
        ? this.internal()
        : { status, code: error.code, message: error.message, details: error.details };
    }
    if (exception instanceof HttpException) {
      const status: number = exception.getStatus();
      if (status >= 500 && status !== 503) {
        return this.internal();
      }
      const routeMissing = status === 404 && !request.routeOptions?.url;
      const { message, details } = httpMessage(exception);
      return {
        status,
        code: routeMissing ? PlatformErrorCode.RouteNotFound : codeForStatus(status),
        message: routeMissing ? `Route ${request.method} ${request.url.split('?')[0]} not found` : message,
        details,
      };
    }
    if (exception instanceof NotFoundError) {
      return { status: 404, code: PlatformErrorCode.NotFound, message: 'Not found' };
    }
    if (exception instanceof UniqueConstraintViolationException) {
      return { status: 409, code: PlatformErrorCode.Conflict, message: 'Already exists' };
    }
    if (exception instanceof ForeignKeyConstraintViolationException) {
      return { status: 409, code: PlatformErrorCode.Conflict, message: 'Referenced object is missing or still in use' };
    }
    if (isFastifyError(exception) && exception.statusCode >= 400 && exception.statusCode < 500) {
      return {
        status: exception.statusCode,
        code: codeForStatus(exception.statusCode),
        message: exception.message,
      };
    }
    return this.internal();
  }

  private internal(): Resolved {
    return { status: 500, code: PlatformErrorCode.Internal, message: 'Internal server error' };
  }
}
