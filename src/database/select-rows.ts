import type { Knex } from '@mikro-orm/knex';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs a read with bound parameters straight through knex and returns its rows. MikroORM's `execute` inlines every
 * value into the SQL text, formats it for its logger and wraps the call; on a hot read that costs about as much CPU
 * as the rest of the request (bench:api). Use it for reads that answer with plain rows; writes and anything inside
 * a transaction keep going through the entity manager.
 */
export async function selectRows<T>(em: EntityManager, sql: string, bindings: readonly unknown[] = []): Promise<T[]> {
  const result = await em.getKnex().raw<{ rows: T[] }>(sql, bindings as Knex.RawBinding[]);
  return result.rows;
}

/** `2026-12-07 20:12:37.123456+00`, as PostgreSQL prints a `timestamptz` in UTC. */
const PG_UTC = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

/**
 * A timestamp of a raw row as ISO 8601 (milliseconds, `Z`). The driver hands `timestamptz` columns of raw reads
 * back as text; rewriting PostgreSQL's UTC form costs a tenth of parsing it into a `Date`.
 */
export function isoTimestamp(value: Date | string): string {
  if (typeof value !== 'string') {
    return value.toISOString();
  }
  const match = PG_UTC.exec(value);
  if (!match) {
    return new Date(value).toISOString();
  }
  return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}

/** `%text%` for `ILIKE ?`, its wildcards and backslashes escaped: matches `text` anywhere, literally. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
