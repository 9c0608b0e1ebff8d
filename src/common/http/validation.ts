import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';
import { memoiseValidationMetadata } from './validation-metadata';

/** Flattens class-validator's tree into `{ field: 'address.city', errors: [...] }` entries. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own: FieldError[] = error.constraints ? [{ field, errors: Object.values(error.constraints) }] : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** The one `VALIDATION_FAILED` error of HTTP and socket payloads: `details` lists every bad field and its rules. */
export function validationFailed(errors: ValidationError[]): PlatformError {
  const details = flattenValidationErrors(errors);
  const fields = details.map((d) => d.field).join(', ');
  return new PlatformError(PlatformErrorCode.ValidationFailed, `Invalid input: ${fields}`, details);
}

/** The global pipe: strips nothing silently — unknown fields are rejected — and converts query strings. */
export function createValidationPipe(): ValidationPipe {
  memoiseValidationMetadata();
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: validationFailed,
  });
}
