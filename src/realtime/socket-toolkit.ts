import type { Logger } from '@nestjs/common';
import { Emitter } from '@socket.io/redis-emitter';
import type { EventsMap } from '@socket.io/redis-emitter/dist/typed-events';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type Redis from 'ioredis';
import { AppError, FieldError, PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';
import { validationFailed } from 'src/common/http/validation';

/**
 * How every namespace speaks: a client event is answered through its acknowledgement, `ok: true` with the result,
 * or `ok: false` with the error code (and, on `/meetings`, its message and details; see {@link AckStyle}).
 */
export type Ack<T extends object = object> = ({ ok: true } & T) | AckFailure;

export interface AckFailure {
  ok: false;
  code: string;
  message?: string;
  details?: unknown;
}

/**
 * What a failure shows its client, fixed per namespace since its first client:
 * - `code`: `{ ok: false, code }` (`/notifications`, `/chat`);
 * - `message`: `{ ok: false, code, message, details? }`, where a bad payload names its first bad field,
 *   `message: '<field> <rule>'` and `details: { field }` (`/meetings`).
 */
export type AckStyle = 'code' | 'message';

export interface AnswerOptions {
  style: AckStyle;
  logger: Logger;
  /** Logged at `error`, with the error and `context`, when the handler fails with anything but an AppError. */
  failure: string;
  context?: Record<string, unknown>;
  /** Turns a library's own error into an AppError before it is answered (e.g. mediasoup's TypeErrors). */
  translate?: (error: unknown) => AppError | undefined;
}

/**
 * Validates a client event's payload into a DTO (class-validator + class-transformer, as HTTP bodies are): a bad
 * one throws HTTP's `VALIDATION_FAILED` error, `details` listing every bad field and its rules. A body that is not
 * an object is validated as `{}`. Unknown fields are dropped, not refused: socket clients have always been free to
 * send more. Rules of socket DTOs are phrased `$property …`, so the `message` style can name a nested field.
 */
export function parsePayload<T extends object>(dto: ClassConstructor<T>, body: unknown): T {
  const plain: object = body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {};
  const payload = plainToInstance(dto, plain, { enableImplicitConversion: false });
  const errors = validateSync(payload, { whitelist: true, validationError: { target: false, value: false } });
  if (errors.length > 0) {
    throw validationFailed(errors);
  }
  return payload;
}

/**
 * Runs one client event's handler and answers for it: its result as `{ ok: true, ...result }`, a thrown AppError
 * as its code (and message, by `style`), anything else logged and answered `INTERNAL`.
 */
export async function answer<T extends object>(handler: () => T | Promise<T>, options: AnswerOptions): Promise<Ack<T>> {
  try {
    return { ok: true, ...(await handler()) };
  } catch (error) {
    const known = error instanceof AppError ? (error as AppError) : options.translate?.(error);
    if (known) {
      return failureAck(known, options.style);
    }
    options.logger.error({ err: error, ...options.context }, options.failure);
    const code = PlatformErrorCode.Internal;
    return options.style === 'code' ? { ok: false, code } : { ok: false, code, message: 'Internal error' };
  }
}

/** The acknowledgement of a failed request, as the namespace's clients see it. */
export function failureAck(error: AppError, style: AckStyle): AckFailure {
  const { code, message, details } = error;
  if (style === 'code') {
    return { ok: false, code };
  }
  const field =
    error instanceof PlatformError && error.code === PlatformErrorCode.ValidationFailed
      ? firstFieldError(details)
      : undefined;
  if (field) {
    // The rule reads `<property> …`; the field is its dotted path (`appData.source`).
    const parent = field.field.slice(0, field.field.lastIndexOf('.') + 1);
    return { ok: false, code, message: `${parent}${field.errors[0]}`, details: { field: field.field } };
  }
  return { ok: false, code, message, ...(details === undefined ? {} : { details }) };
}

function firstFieldError(details: unknown): FieldError | undefined {
  const first: unknown = Array.isArray(details) ? details[0] : undefined;
  const candidate = first as Partial<FieldError> | undefined;
  return typeof candidate?.field === 'string' && Array.isArray(candidate.errors) && candidate.errors.length > 0
    ? (candidate as FieldError)
    : undefined;
}

/**
 * A namespace's emitter through Redis (`@socket.io/redis-emitter`), usable from any process: every API node's Redis
 * adapter delivers to the sockets it holds. The emitter publishes without awaiting, so a failed publish is logged
 * at `warn` (as `failure`) and never becomes an unhandled rejection nor reaches the caller.
 */
export function createSocketEmitter<Events extends EventsMap>(
  redis: Redis,
  namespace: string,
  logger: Logger,
  failure: string,
): Emitter<Events> {
  const publisher = {
    publish: (channel: string, message: string | Buffer): Promise<unknown> =>
      redis.publish(channel, message).catch((error: Error) => {
        logger.warn({ err: error.message, channel }, failure);
      }),
  };
  return new Emitter<Events>(publisher).of(namespace);
}
