import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { QueueWorkersService } from 'src/queue/queue-workers.service';

/**
 * Prometheus metrics of this process, in a registry of its own (several apps can share a test process).
 * HTTP metrics are recorded by a Fastify hook (see `configureHttp`), so 404s and rejected bodies count too.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** Realtime namespaces of this node (API role only) and how to count their connected sockets. */
  private readonly realtimeNamespaces = new Map<string, () => number>();

  constructor(queues: QueueWorkersService) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'queue_jobs',
      help: 'BullMQ jobs per queue and state',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await queues.counts().catch(() => null);
        this.reset();
        for (const [queue, states] of Object.entries(counts ?? {})) {
          for (const [state, value] of Object.entries(states)) {
            this.set({ queue, state }, value);
          }
        }
      },
    });
    const namespaces = this.realtimeNamespaces;
    new Gauge({
      name: 'realtime_connections',
      help: 'Socket.IO connections on this node by namespace',
      labelNames: ['namespace'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [namespace, count] of namespaces) {
          this.set({ namespace }, count());
        }
      },
    });
  }

  /** Reports a Socket.IO namespace's connected sockets as `realtime_connections{namespace}`. */
  trackRealtimeNamespace(namespace: string, count: () => number): void {
    this.realtimeNamespaces.set(namespace, count);
  }

  /** Live meetings, their peers and the running mediasoup workers of this node, as `sfu_*` gauges. */
  trackSfu(read: () => { meetings: number; peers: number; workers: number }): void {
    const help = { meetings: 'Live meetings (routers)', peers: 'Peers in live meetings', workers: 'mediasoup workers' };
    for (const key of ['meetings', 'peers', 'workers'] as const) {
      new Gauge({
        name: `sfu_${key}`,
        help: `${help[key]} on this node`,
        registers: [this.registry],
        collect() {
          this.set(read()[key]);
        },
      });
    }
  }

  /** `route` is the matched route pattern (`/api/v1/things/:id`), never the raw URL, to bound cardinality. */
  /** The counter and histogram of each method, route and status, bound once (labels are hashed only then). */
  private readonly bound = new Map<string, { requests: { inc(): void }; latency: { observe(value: number): void } }>();

  observeRequest(method: string, route: string | undefined, status: number, seconds: number): void {
    const key = `${method} ${status} ${route ?? ''}`;
    let series = this.bound.get(key);
    if (!series) {
      const labels = { method, route: route ?? 'unmatched', status: String(status) };
      series = { requests: this.requests.labels(labels), latency: this.latency.labels(labels) };
      this.bound.set(key, series);
    }
    series.requests.inc();
    series.latency.observe(seconds);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
