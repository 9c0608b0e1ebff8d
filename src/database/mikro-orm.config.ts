import { join } from 'node:path';
import { Migrator } from '@mikro-orm/migrations';
import { ReflectMetadataProvider } from '@mikro-orm/core';
import type { EntityClass } from '@mikro-orm/core';
import { defineConfig, type Options } from '@mikro-orm/postgresql';

/** Repository root: two levels up from this file both in `src/database` and in `dist/src/database`. */
const ROOT = join(__dirname, '..', '..');
const COMPILED = __filename.endsWith('.js');

export interface OrmConnection {
  url: string;
  poolMax?: number;
  debug?: boolean;
  /** Every entity of every domain (`ENTITIES` from `src/domains.ts`). */
  entities: readonly EntityClass<unknown>[];
}

/**
 * The one MikroORM configuration, used by the app, the migration CLI and the tests.
 * Migrations are TypeScript files in the top-level `migrations/`; compiled ones run from `dist/migrations/`.
 */
export function createOrmConfig({ url, poolMax = 10, debug = false, entities }: OrmConnection): Options {
  return defineConfig({
    clientUrl: url,
    entities: [...entities],
    metadataProvider: ReflectMetadataProvider,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug,
    pool: { min: 0, max: poolMax },
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: true },
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: join(ROOT, 'migrations'),

      glob: COMPILED ? '!(*.d).js' : '!(*.d).ts',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
      fileName: (timestamp: string, name?: string) => `Migration${timestamp}${name ? `_${name}` : ''}`,
    },
  });
}
