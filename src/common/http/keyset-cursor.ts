/**
 * An opaque keyset cursor over (timestamp, uuid) — the position after the last row of a page ordered by a time and
 * then the id. Lists stay stable while rows are added at the top. `at` is a Date, or the timestamp's text as
 * PostgreSQL printed it in a raw row (kept at its full microsecond precision: rows written by SQL `now()` in one
 * millisecond would otherwise be skipped or repeated).
 */
export function encodeKeysetCursor(at: Date | string, id: string): string {
  return Buffer.from(`${typeof at === 'string' ? at : at.toISOString()}|${id}`).toString('base64url');
}

/**
 * The position a cursor names, as a Date and as the text it was made from (bind that to compare a `timestamptz` at
 * full precision); throws `invalid()` (the domain's 400) when {@link encodeKeysetCursor} did not make it.
 */
export function decodeKeysetCursor(cursor: string, invalid: () => Error): { at: Date; atText: string; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(at?.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00') ?? '');
  if (!id || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(date.getTime()) || !/^[0-9: .T+-]+Z?$/.test(at)) {
    throw invalid();
  }
  return { at: date, atText: at, id };
}
