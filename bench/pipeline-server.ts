/**
 * One server of `npm run bench:pipeline`, chosen by `PIPELINE_STAGE`: `fastify` (a bare Fastify hello), `layers:N`
 * (Switchboard's modules on Nest + Fastify with the first N request layers of `PIPELINE_LAYERS`; `layers:0` is
 * Nest on Fastify with nothing in front of the route) or `full` (the application as `npm start` runs it).
 */
import Fastify from 'fastify';
import { createHttpApp } from 'src/bootstrap';
import { ALL_HTTP_LAYERS } from 'src/common/http/http-layers';
import { validateEnv } from 'src/config/env.schema';
import { BENCH_ROUTE, BenchRouteModule, PIPELINE_LAYERS } from './pipeline-route';

async function main(): Promise<void> {
  const stage = process.env.PIPELINE_STAGE ?? 'full';
  const port = Number(process.env.PORT);
  if (stage === 'fastify') {
    const app = Fastify({ logger: false });
    app.get(BENCH_ROUTE, () => ({ hello: 'world' }));
    app.get('/health/live', () => ({ status: 'ok' }));
    await app.listen({ port, host: '127.0.0.1' });
    return;
  }
  const layers = stage === 'full' ? ALL_HTTP_LAYERS : PIPELINE_LAYERS.slice(0, Number(stage.split(':')[1]));
  const app = await createHttpApp(validateEnv(process.env), [BenchRouteModule], layers);
  await app.listen(port, '127.0.0.1');
  const stop = (): void => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
