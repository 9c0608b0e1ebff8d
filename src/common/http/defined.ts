/**
 * The fields of a partial update that were actually sent. Validated DTO instances carry every declared property,
 * `undefined` when absent; assigning those would blank the stored values.
 */
export function definedOnly<T extends object>(dto: T): Partial<T> {
  return Object.fromEntries(Object.entries(dto).filter(([, value]) => value !== undefined)) as Partial<T>;
}
