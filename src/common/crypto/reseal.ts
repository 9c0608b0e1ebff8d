import type { Knex } from '@mikro-orm/knex';
import type { SecretBox } from './secret-box';

/** Every column that holds a {@link SecretBox}-sealed value. A new sealed column must be listed here. */
export const SEALED_COLUMNS: { table: string; columns: string[] }[] = [
  { table: 'users', columns: ['two_factor_secret'] },
  { table: 'webhook_endpoints', columns: ['secret_sealed'] },
  { table: 'mail_accounts', columns: ['imap_password_sealed', 'smtp_password_sealed'] },
];

const PAGE = 500;

/**
 * Re-seals every stored secret that is not under the current ENCRYPTION_KEY (opened with whichever configured key
 * sealed it), a page of rows per transaction, so it can be stopped and run again at any point. Returns the number
 * of rows rewritten per table; a second run returns zeros.
 */
export async function resealSecrets(knex: Knex, box: SecretBox): Promise<Record<string, number>> {
  const current = `v2.${box.currentKeyId}.%`;
  const counts: Record<string, number> = {};
  for (const { table, columns } of SEALED_COLUMNS) {
    counts[table] = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rewritten = await knex.transaction(async (trx) => {
        const rows = await trx(table)
          .select<Record<string, string | null>[]>('id', ...columns)
          .where('id', '>', after)
          .andWhereRaw(
            columns.map((column) => `(${column} is not null and ${column} not like ?)`).join(' or '),
            columns.map(() => current),
          )
          .orderBy('id')
          .limit(PAGE)
          .forUpdate();
        for (const row of rows) {
          const changes: Record<string, string> = {};
          for (const column of columns) {
            const value = row[column];
            if (value && box.needsReseal(value)) {
              changes[column] = box.seal(box.open(value));
            }
          }
          await trx(table).where('id', row.id).update(changes);
        }
        return rows;
      });
      counts[table] += rewritten.length;
      if (rewritten.length < PAGE) {
        break;
      }
      after = rewritten[rewritten.length - 1].id!;
    }
  }
  return counts;
}
