import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationArguments } from 'class-validator';

/** `YYYY-MM-DD`, optionally `THH:MM[:SS[.fraction]]` and `Z` or an offset. Four-digit years only: no `±YYYYYY`. */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?)?$/i;

/**
 * The instant an ISO 8601 date-time names, when it is one with a real calendar day and a year from 0001 to 9999
 * (also after applying its offset); else undefined. Extended years (`-000001-…`, `+275760-…`) are refused, as
 * PostgreSQL and most clients cannot round-trip them.
 */
export function parseIsoDateTime(value: string): Date | undefined {
  const match = ISO_DATE_TIME.exec(value);
  if (!match) {
    return undefined;
  }
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const calendar = new Date(Date.UTC(2000, month - 1, day));
  calendar.setUTCFullYear(year);
  if (year < 1 || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) {
    return undefined;
  }
  const instant = new Date(value);
  const utcYear = instant.getUTCFullYear();
  return Number.isNaN(instant.getTime()) || utcYear < 1 || utcYear > 9999 ? undefined : instant;
}

const message = (args: ValidationArguments): string =>
  `${args.property} must be an ISO 8601 date-time with a year from 0001 to 9999`;

/**
 * The one rule for date inputs (bodies and query strings): an ISO 8601 date-time with a year from 0001 to 9999.
 * By default the property becomes a `Date`; `{ keepString: true }` validates and leaves the string as sent.
 * Replaces `@Type(() => Date) @IsDate()` (which took any `Date.parse` input, extended years included) and
 * `@IsISO8601()`.
 */
export function IsIsoDateTime(options: { keepString?: boolean } = {}): PropertyDecorator {
  const validator = ValidateBy({
    name: 'isIsoDateTime',
    validator: {
      validate: (value: unknown) =>
        options.keepString
          ? typeof value === 'string' && parseIsoDateTime(value) !== undefined
          : value instanceof Date && !Number.isNaN(value.getTime()),
      defaultMessage: message,
    },
  });
  if (options.keepString) {
    return validator;
  }
  // A valid string becomes its Date; anything else stays as sent, for the validator to refuse.
  const toDate = Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? (parseIsoDateTime(value) ?? value) : value,
  );
  return applyDecorators(toDate, validator);
}
