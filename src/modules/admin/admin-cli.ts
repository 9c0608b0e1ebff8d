import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { EntityManager } from '@mikro-orm/postgresql';
import { Role } from 'src/common/auth/auth-user';
import { createWorkerContext } from 'src/bootstrap';
import { loadEnv } from 'src/config/boot-env';
import { AppRole, ConfigValidationError } from 'src/config/env.schema';
import { UsersService } from 'src/modules/users/users.service';

const USAGE = 'usage: npm run admin:create -- --email <email> --password <password> [--username <name>]';

/** `npm run admin:create`: creates an administrator account (or promotes nothing: an existing address is a 409). */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, password: { type: 'string' }, username: { type: 'string' } },
  });
  if (!values.email || !values.password || values.password.length < 10) {
    process.stderr.write(`${USAGE}\n(the password needs at least 10 characters)\n`);
    return 2;
  }
  const env = loadEnv();
  const app = await createWorkerContext({
    ...env,
    APP_ROLE: AppRole.Api,
    ADMIN_EMAIL: undefined,
    ADMIN_PASSWORD: undefined,
  });
  try {
    const username =
      values.username ??
      values.email
        .split('@')[0]
        .toLowerCase()
        .replace(/[^a-z0-9._-]/g, '')
        .padEnd(3, '0');
    const user = await app.get(UsersService).create(
      {
        email: values.email,
        username,
        password: values.password,
        role: Role.Admin,
        emailVerified: true,
      },
      app.get(EntityManager).fork(),
    );
    process.stdout.write(`created admin ${user.email} (${user.username}, ${user.id})\n`);
    return 0;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof ConfigValidationError ? error.message : (error as Error).message}\n`);
    process.exit(1);
  },
);
