import { isUUID } from 'class-validator';
import { PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';

const invalid = (field: string, message: string): PlatformError =>
  new PlatformError(PlatformErrorCode.ValidationFailed, `${field} ${message}`, { field });

/**
 * Reads one signalling request's payload field by field; the first bad field is refused as `VALIDATION_FAILED`
 * with `details.field` (the same shape as HTTP validation errors). Object-valued media parameters (RTP, DTLS) are
 * only checked to be objects here: mediasoup validates their contents.
 */
export class Payload {
  private readonly body: Record<string, unknown>;

  constructor(
    body: unknown,
    private readonly prefix = '',
  ) {
    this.body =
      body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  }

  id(field: string): string {
    const value = this.body[field];
    if (typeof value !== 'string' || !isUUID(value)) {
      throw invalid(this.prefix + field, 'must be an id');
    }
    return value;
  }

  object<T>(field: string): T {
    const value = this.body[field];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw invalid(this.prefix + field, 'must be an object');
    }
    return value as T;
  }

  oneOf<T extends string>(field: string, values: readonly T[], fallback?: T): T {
    const value = this.body[field];
    if (value === undefined && fallback !== undefined) {
      return fallback;
    }
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      throw invalid(this.prefix + field, `must be one of ${values.join(', ')}`);
    }
    return value as T;
  }

  text(field: string, max: number): string;
  text(field: string, max: number, optional: true): string | undefined;
  text(field: string, max: number, optional = false): string | undefined {
    const value = this.body[field];
    if (value === undefined && optional) {
      return undefined;
    }
    const text = typeof value === 'string' ? value.trim() : '';
    if (text.length === 0 || text.length > max) {
      throw invalid(this.prefix + field, `must be text of 1 to ${max} characters`);
    }
    return text;
  }

  bool(field: string): boolean {
    const value = this.body[field];
    if (typeof value !== 'boolean') {
      throw invalid(this.prefix + field, 'must be true or false');
    }
    return value;
  }

  int(field: string, min: number, max: number): number;
  int(field: string, min: number, max: number, optional: true): number | undefined;
  int(field: string, min: number, max: number, optional = false): number | undefined {
    const value = this.body[field];
    if (value === undefined && optional) {
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw invalid(this.prefix + field, `must be an integer from ${min} to ${max}`);
    }
    return value;
  }

  /** An optional nested object's field, e.g. `appData.source`. */
  nested(field: string): Payload {
    const value = this.body[field];
    if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw invalid(this.prefix + field, 'must be an object');
    }
    return new Payload(value, `${this.prefix}${field}.`);
  }
}
