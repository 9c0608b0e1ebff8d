import { EntityManager, QueryOrder } from '@mikro-orm/postgresql';

const PAGE = 500;

/**
 * One array of the data export archive (`POST /settings/export-data`), contributed by the domain that keeps the
 * data: its `name` is one of the `personalData.exportSections` of that domain's definition, and its rows are read
 * in pages so a long history streams instead of loading at once.
 */
export interface ExportSection {
  name: string;
  rows(em: EntityManager, userId: string): AsyncIterable<unknown>;
}

/** A position in an oldest-first keyset walk over (createdAt, id). */
export interface KeysetAfter {
  createdAt: Date;
  id: string;
}

/** The filter for rows after `after` in (createdAt, id) order (none at the start). */
export function afterCursor(after: KeysetAfter | undefined): object {
  return after
    ? { $or: [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, id: { $gt: after.id } }] }
    : {};
}

/** Find options for one page, oldest first. */
export const EXPORT_PAGE = { orderBy: { createdAt: QueryOrder.ASC, id: QueryOrder.ASC }, limit: PAGE } as const;

/** Keyset pagination over (createdAt, id), mapping each row: `fetch` reads one page after the position. */
export async function* pagedRows<T extends { id: string; createdAt: Date }>(
  fetch: (after: KeysetAfter | undefined) => Promise<T[]>,
  map: (row: T) => unknown,
): AsyncIterable<unknown> {
  let after: KeysetAfter | undefined;
  for (;;) {
    const rows = await fetch(after);
    for (const row of rows) {
      yield map(row);
    }
    if (rows.length < PAGE) {
      return;
    }
    const last = rows[rows.length - 1];
    after = { createdAt: last.createdAt, id: last.id };
  }
}
