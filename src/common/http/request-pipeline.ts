import { applyDecorators, Logger } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiConsumes } from '@nestjs/swagger';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { Socket } from 'node:net';
import { PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';

import { ErrorResponseDto } from 'src/common/http/error-response.dto';
import { inspectFlat, parseJsonBody } from 'src/common/http/hostile-input';
import { requestIdFrom } from 'src/common/logging/logging';

const logger = new Logger('HttpError');

/** Fastify route config of the routes that take `multipart/form-data` (see `@AcceptsMultipart()`). */
interface PipelineRouteConfig {
  multipart?: boolean;
}

/**
 * Marks an upload route: the only routes that take `multipart/form-data`. Every other route with a body takes
 * `application/json` only and answers `415 UNSUPPORTED_MEDIA_TYPE` for anything else.
 */
export const AcceptsMultipart = (): MethodDecorator =>
  applyDecorators(RouteConfig({ multipart: true } satisfies PipelineRouteConfig), ApiConsumes('multipart/form-data'));

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The generic answers to hostile input, decided once for every route:
 * - `application/json` is the only body parser besides `@fastify/multipart` (Nest's urlencoded parser and
 *   Fastify's text parser are not registered), so any other body type is a `415` from Fastify;
 * - multipart bodies reach only `@AcceptsMultipart()` routes (`415` elsewhere);
 * - JSON bodies are parsed with a depth limit and prototype-key refusal, and text that PostgreSQL cannot store
 *   (NUL, lone surrogates) is refused in bodies, query strings and path parameters (`400 VALIDATION_FAILED`).
 * Call after `NestFactory.create(…, { bodyParser: false })` and before `@fastify/multipart` is registered.
 */
export function hardenRequestPipeline(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  fastify.addHook('onRequest', (request, _reply, done) => {
    const type = request.headers['content-type'];
    const config = request.routeOptions.config as PipelineRouteConfig | undefined;
    if (
      type !== undefined &&
      request.routeOptions.url !== undefined &&
      !config?.multipart &&
      hasBody(request) &&
      type.trimStart().toLowerCase().startsWith('multipart/')
    ) {
      done(new PlatformError(PlatformErrorCode.UnsupportedMediaType, 'This route takes application/json'));
      return;
    }
    done();
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    done(inspectFlat(request.params) ?? inspectFlat(request.query));
  });
}

/**
 * The headers helmet sets with these options, computed once: helmet itself would parse its options on every
 * request. Sent on every answer by the `Hardening` layer.
 */
export function securityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as never, response as never, () => undefined);
  return Object.freeze(headers);
}

/**
 * Downloads (`Content-Disposition: attachment`) are sent as stored: most are compressed already (images, audio,
 * video, PDF), and a compressed body would break byte ranges. Marks them for `@fastify/compress`, whose own hook
 * runs after this one.
 */
export function skipCompressionOfDownloads(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (reply.getHeader('content-disposition') !== undefined) {
      request.headers['x-no-compression'] = '1';
    }
    done(null, payload);
  });
}

function errorBody(status: number, code: PlatformErrorCode, message: string, requestId: string): ErrorResponseDto {
  return { statusCode: status, code, message, requestId };
}

/**
 * Fastify's `frameworkErrors`: errors the router raises before any route runs (a path parameter over
 * `maxParamLength`, a malformed URL). Answered in the error shape, never echoing the path.
 */
export function frameworkErrorReply(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const [code, message] =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? [PlatformErrorCode.UriTooLong, 'A path parameter is too long']
      : error.code === 'FST_ERR_BAD_URL'
        ? [PlatformErrorCode.BadRequest, 'The URL is not validly encoded']
        : [PlatformErrorCode.Internal, 'Internal server error'];
  const status: number = PlatformError.statuses[code];
  const requestId = String(request.id);
  if (status >= 500) {
    logger.error({ requestId, err: error }, 'request failed');
  } else {
    logger.warn({ requestId, code, status, method: request.method, reason: message }, 'request rejected');
  }
  void reply
    .code(status)
    .header('x-request-id', requestId)
    .send(errorBody(status, code, message, requestId));
}

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request (headers or request line over
 * `maxHeaderSize`, malformed requests, timeouts) in the error shape with a fresh request id, then closes the socket.
 */
export function clientErrorReply(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) {
    return;
  }
  const [code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [PlatformErrorCode.HeadersTooLarge, 'The request line or headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [PlatformErrorCode.RequestTimeout, 'The request took too long to arrive']
        : [PlatformErrorCode.BadRequest, 'Malformed HTTP request'];
  const status: number = PlatformError.statuses[code];
  const requestId = requestIdFrom(undefined);
  logger.warn({ requestId, code, status, reason: error.code }, 'request rejected by the HTTP parser');
  // A response already under way on this socket cannot be followed by another one (as in Node's own handler).
  const busy = (socket as Socket & { _httpMessage?: unknown })._httpMessage;
  if (socket.writable && !busy) {
    const body = JSON.stringify(errorBody(status, code, message, requestId));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
