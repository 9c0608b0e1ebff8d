import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { createOrmConfig } from 'src/database/mikro-orm.config';
import { ENTITIES } from 'src/domains';
import { CLIENT_TYPES_FILE, renderClientTypes, renderOpenApi, SPEC_FILE } from '../../scripts/openapi';
import { startTestApp, type TestApp } from '../support/test-app';

describe('committed artefacts match the code', () => {
  it('has no pending schema change: the migrations produce exactly the entities', async () => {
    const orm = await MikroORM.init(
      createOrmConfig({ url: process.env.DATABASE_URL!, poolMax: 1, entities: ENTITIES }),
    );
    try {
      const diff = await orm.getMigrator().checkMigrationNeeded();
      expect({ migrationNeeded: diff, hint: 'run npm run migration:create -- <name>' }).toEqual({
        migrationNeeded: false,
        hint: 'run npm run migration:create -- <name>',
      });
    } finally {
      await orm.close(true);
    }
  });

  describe('OpenAPI', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it('openapi.json is what the code generates (run npm run openapi when this fails)', () => {
      expect(renderOpenApi(t.app)).toBe(readFileSync(SPEC_FILE, 'utf8'));
    });

    it('client/schema.d.ts is what openapi-typescript generates from openapi.json', () => {
      const dir = mkdtempSync(join(tmpdir(), 'switchboard-spec-'));
      try {
        const spec = join(dir, 'openapi.json');
        writeFileSync(spec, readFileSync(SPEC_FILE));
        expect(renderClientTypes(spec)).toBe(readFileSync(CLIENT_TYPES_FILE, 'utf8'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
