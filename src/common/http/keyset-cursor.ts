/**
 * An opaque keyset cursor over (timestamp, uuid) — the position after the last row of a page ordered by a time and
 * then the id. Lists stay stable while rows are added at the top.
 */
export function encodeKeysetCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

/** The position a cursor names; throws `invalid()` (the domain's 400) when {@link encodeKeysetCursor} did not make it. */
export function decodeKeysetCursor(cursor: string, invalid: () => Error): { at: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const date = new Date(at);
  if (!id || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(date.getTime())) {
    throw invalid();
  }
  return { at: date, id };
}
