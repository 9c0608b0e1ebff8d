import type { RunningService } from '../../scripts/local/services';

export default async function globalTeardown(): Promise<void> {
  const services = (globalThis as { __services__?: RunningService[] }).__services__ ?? [];
  await Promise.all(services.map((service) => service.stop()));
}
