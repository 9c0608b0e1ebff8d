/**
 * A PostgreSQL array literal (`{"a","b"}`) of `values`, to bind as one parameter cast with `?::text[]` or
 * `?::uuid[]`. MikroORM's `execute` (and knex's raw bindings) spread an array parameter into a list, which suits
 * `in (?)` but not an array column or `= any(?)`.
 */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}
