import { ApiHeader } from '@nestjs/swagger';
import { PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The `Idempotency-Key` header's value when one was sent: 1–255 visible ASCII characters, else 400 naming the
 * header. Routes that take one answer a retry with what the first request created (200) instead of creating again.
 */
export function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  if (!IDEMPOTENCY_KEY.test(header)) {
    throw new PlatformError(PlatformErrorCode.ValidationFailed, 'Invalid input: Idempotency-Key', [
      { field: 'Idempotency-Key', errors: ['Idempotency-Key must be 1-255 visible ASCII characters'] },
    ]);
  }
  return header;
}

/** Documents the optional `Idempotency-Key` header of a route. */
export const ApiIdempotencyKey = (description: string): MethodDecorator =>
  ApiHeader({ name: 'Idempotency-Key', required: false, description });
