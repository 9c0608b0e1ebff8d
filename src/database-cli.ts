import 'reflect-metadata';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { resealSecrets } from 'src/common/crypto/reseal';
import { AppConfigService } from 'src/config/app-config.service';
import { loadEnv } from 'src/config/boot-env';
import { secretBoxFor } from 'src/config/config.module';
import { ConfigValidationError } from 'src/config/env.schema';
import { ENTITIES } from 'src/domains';
import { createOrmConfig } from 'src/database/mikro-orm.config';

const USAGE = `usage: node dist/src/database-cli.js <command>
  up               apply pending migrations (npm run migrate)
  down             revert the last migration
  pending          list migrations not yet applied
  check            exit 1 if the entities differ from the migrated schema (npm run migration:check)
  create [name]    write a migration for the difference into migrations/ (npm run migration:create -- name)
  reseal-secrets   re-seal every stored secret under ENCRYPTION_KEY (after rotating it; the old key in
                   ENCRYPTION_KEYS_PREVIOUS), so the old key can be dropped (npm run secrets:reseal)`;

/** Source folder of migrations (TypeScript), whether run from src/ or dist/src/. */
const SOURCE_MIGRATIONS = join(__dirname, '..', __filename.endsWith('.js') ? '..' : '', 'migrations');

async function run(command: string | undefined, name: string | undefined): Promise<number> {
  const { DATABASE_URL } = loadEnv(['DATABASE_URL']);
  const orm = await MikroORM.init(createOrmConfig({ url: DATABASE_URL, poolMax: 2, entities: ENTITIES }));
  const migrator = orm.getMigrator();
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  try {
    switch (command) {
      case 'up': {
        const applied = await migrator.up();
        out(applied.length ? `applied ${applied.map((m) => m.name).join(', ')}` : 'no pending migrations');
        return 0;
      }
      case 'down': {
        const reverted = await migrator.down();
        out(reverted.length ? `reverted ${reverted.map((m) => m.name).join(', ')}` : 'nothing to revert');
        return 0;
      }
      case 'pending': {
        const pending = await migrator.getPendingMigrations();
        out(pending.length ? pending.map((m) => m.name).join('\n') : 'no pending migrations');
        return 0;
      }
      case 'check': {
        await migrator.up();
        const needed = await migrator.checkMigrationNeeded();
        out(
          needed
            ? 'schema drift: the entities differ from the migrations; run npm run migration:create'
            : 'schema matches the entities',
        );
        return needed ? 1 : 0;
      }
      case 'create': {
        await migrator.up();
        const result = await migrator.createMigration(SOURCE_MIGRATIONS, false, false, name);
        out(
          result.fileName
            ? `wrote migrations/${result.fileName}; review the SQL before committing`
            : 'no changes to migrate',
        );
        return 0;
      }
      case 'reseal-secrets': {
        const box = secretBoxFor(new AppConfigService(loadEnv(['ENCRYPTION_KEY', 'ENCRYPTION_KEYS_PREVIOUS'])));
        const counts = await resealSecrets(orm.em.getKnex(), box);
        out(
          `re-sealed under key ${box.currentKeyId}: ${Object.entries(counts)
            .map(([table, n]) => `${table} ${n}`)
            .join(', ')}`,
        );
        return 0;
      }
      default:
        out(USAGE);
        return 2;
    }
  } finally {
    await orm.close(true);
  }
}

run(process.argv[2], process.argv[3]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof ConfigValidationError ? error.message : String((error as Error).stack ?? error)}\n`,
    );
    process.exit(1);
  },
);
