import { MikroORM } from '@mikro-orm/postgresql';
import { createOrmConfig } from 'src/database/mikro-orm.config';
import { ENTITIES } from 'src/domains';

/**
 * MikroORM on the PostgreSQL that global-setup started and migrated, without the application: the integration
 * tier (`test/integration/*.integration-spec.ts`) tests repositories and their SQL through it.
 */
export async function openTestOrm(): Promise<MikroORM> {
  return MikroORM.init(createOrmConfig({ url: process.env.DATABASE_URL!, poolMax: 2, entities: ENTITIES }));
}
