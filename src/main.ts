import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createHttpApp, createWorkerContext } from 'src/bootstrap';
import { loadEnv, roleRunsApi } from 'src/config/boot-env';
import { ConfigValidationError } from 'src/config/env.schema';

/** Entry point for every role: `APP_ROLE=api` (HTTP only), `worker` (queue workers only) or `all` (both). */
async function main(): Promise<void> {
  const env = loadEnv();
  // Nest's shutdown hooks close the server, workers and connections; this bounds how long that may take.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => setTimeout(() => process.exit(1), env.SHUTDOWN_TIMEOUT_MS).unref());
  }
  if (roleRunsApi(env.APP_ROLE)) {
    const app = await createHttpApp(env);
    await app.listen(env.PORT, env.HOST);
    new Logger('Main').log(`Switchboard ${env.APP_ROLE} listening on http://${env.HOST}:${env.PORT} (docs at /docs)`);
  } else {
    await createWorkerContext(env);
    new Logger('Main').log('Switchboard worker started');
  }
}

main().catch((error: unknown) => {
  // Configuration problems are printed plainly (they name each variable); anything else with its stack.
  process.stderr.write(
    `${error instanceof ConfigValidationError ? error.message : String((error as Error).stack ?? error)}\n`,
  );
  process.exit(1);
});
