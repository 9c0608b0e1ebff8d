import type { EntityManager } from '@mikro-orm/postgresql';

/** Those of `userIds` who are not members of the organization (one query, inside `em`'s transaction if any). */
export async function nonMembers(em: EntityManager, organizationId: string, userIds: string[]): Promise<string[]> {
  if (userIds.length === 0) {
    return [];
  }
  // The ids are validated UUIDs, so the array literal is safe; knex would spread a JS array into a list.
  const rows = await em
    .getConnection()
    .execute<{ user_id: string }[]>(
      'select user_id from memberships where organization_id = ? and user_id = any(?::uuid[])',
      [organizationId, `{${userIds.join(',')}}`],
      'all',
      em.getTransactionContext(),
    );
  const members = new Set(rows.map((r) => r.user_id));
  return userIds.filter((id) => !members.has(id));
}
