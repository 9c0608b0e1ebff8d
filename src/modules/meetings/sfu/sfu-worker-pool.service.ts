import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { types as ms } from 'mediasoup';
import { AppConfigService } from 'src/config/app-config.service';
import { exposeMediasoupWorkerBin } from 'src/config/mediasoup-env';
import { MEDIA_CODECS } from './media-codecs';

type Mediasoup = typeof import('mediasoup');

/** mediasoup's version from its package; the cached worker is built per version. */
function mediasoupVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('mediasoup/package.json') as { version: string }).version;
}

export class SfuUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SfuUnavailableError';
  }
}

/** Emitted when a worker died: the routers it hosted are gone and must be re-created elsewhere. */
export interface WorkerDiedEvent {
  slot: number;
  pid: number;
  routerIds: string[];
}

interface Slot {
  worker: ms.Worker;
  routers: Set<ms.Router>;
}

/**
 * A pool of mediasoup workers (one C++ process each, by default one per CPU), started on first use. New routers go
 * to the worker hosting the fewest; a worker that dies is replaced in its slot, and `died` tells the owners of its
 * routers to re-create them (on any worker) and their clients to reconnect.
 */
@Injectable()
export class SfuWorkerPool extends EventEmitter implements OnApplicationShutdown {
  private readonly logger = new Logger(SfuWorkerPool.name);
  private mediasoup?: Mediasoup;
  private slots: (Slot | undefined)[] = [];
  private starting?: Promise<void>;
  private closed = false;

  constructor(private readonly config: AppConfigService) {
    super();
  }

  /** The worker binary this node uses: MEDIASOUP_WORKER_BIN, or the one scripts/mediasoup-worker.sh cached. */
  workerBin(): string {
    const { workerBin, workerCache } = this.config.sfu;
    return workerBin ?? join(workerCache, `mediasoup-worker-${mediasoupVersion()}`, 'mediasoup-worker');
  }

  /** Starts the workers if they are not running yet; throws SfuUnavailableError when the binary is missing. */
  async start(): Promise<void> {
    if (this.closed) {
      throw new SfuUnavailableError('The SFU is shutting down');
    }
    this.starting ??= this.startWorkers().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /** A new router (one per live meeting) on the least loaded worker. */
  async createRouter(appData: Record<string, unknown> = {}): Promise<ms.Router> {
    await this.start();
    const slot = this.leastLoaded();
    const router = await slot.worker.createRouter({ mediaCodecs: MEDIA_CODECS, appData });
    slot.routers.add(router);
    router.observer.once('close', () => {
      // A dying worker closes its routers before it reports `died`, which still has to name them.
      if (!slot.worker.closed) {
        slot.routers.delete(router);
      }
    });
    return router;
  }

  /**
   * A WebRTC transport for one participant's direction (send or receive) on `router`, listening on
   * MEDIASOUP_LISTEN_IP and announcing MEDIASOUP_ANNOUNCED_IP, UDP preferred, TCP as fallback.
   */
  async createWebRtcTransport(router: ms.Router, appData: Record<string, unknown> = {}): Promise<ms.WebRtcTransport> {
    const { listenIp, announcedIp } = this.config.sfu;
    return router.createWebRtcTransport({
      listenIps: [{ ip: listenIp, announcedIp }],
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 1_000_000,
      appData,
    });
  }

  /** Running workers: pid and routers hosted (for metrics, tests and the death test). */
  stats(): { slot: number; pid: number; routers: number; routerIds: string[] }[] {
    return this.slots.flatMap((s, slot) =>
      s ? [{ slot, pid: s.worker.pid, routers: s.routers.size, routerIds: [...s.routers].map((r) => r.id) }] : [],
    );
  }

  onApplicationShutdown(): void {
    this.closed = true;
    for (const slot of this.slots) {
      slot?.worker.close();
    }
    this.slots = [];
  }

  private leastLoaded(): Slot {
    const running = this.slots.filter((s): s is Slot => Boolean(s && !s.worker.closed));
    if (running.length === 0) {
      throw new SfuUnavailableError('No mediasoup worker is running');
    }
    return running.reduce((best, s) => (s.routers.size < best.routers.size ? s : best));
  }

  private async startWorkers(): Promise<void> {
    const bin = this.workerBin();
    try {
      accessSync(bin, constants.X_OK);
    } catch {
      throw new SfuUnavailableError(
        `The mediasoup worker ${bin} is missing: run "bash scripts/mediasoup-worker.sh" or set MEDIASOUP_WORKER_BIN`,
      );
    }
    if (!this.mediasoup) {
      // mediasoup reads the binary's path from the environment when its module loads, so load it only now.
      exposeMediasoupWorkerBin(bin);
      this.mediasoup = await import('mediasoup');
    }
    const count = this.config.sfu.workers;
    this.slots = new Array<Slot | undefined>(count).fill(undefined);
    await Promise.all(Array.from({ length: count }, (_, slot) => this.spawn(slot)));
    this.logger.log(`${count} mediasoup worker(s) running (${bin})`);
  }

  private async spawn(slot: number): Promise<void> {
    const { rtcMinPort, rtcMaxPort } = this.config.sfu;
    const worker = await this.mediasoup!.createWorker({ logLevel: 'warn', rtcMinPort, rtcMaxPort });
    const entry: Slot = { worker, routers: new Set() };
    this.slots[slot] = entry;
    worker.once('died', (error: Error) => {
      const routerIds = [...entry.routers].map((r) => r.id);
      this.logger.error(`mediasoup worker ${worker.pid} died (${error.message}); ${routerIds.length} router(s) lost`);
      this.slots[slot] = undefined;
      entry.routers.clear();
      if (this.closed) {
        return;
      }
      void this.respawn(slot).finally(() => {
        this.emit('died', { slot, pid: worker.pid, routerIds } satisfies WorkerDiedEvent);
      });
    });
  }

  private async respawn(slot: number, attempt = 0): Promise<void> {
    try {
      await this.spawn(slot);
    } catch (error) {
      const delay = Math.min(30_000, 500 * 2 ** attempt);
      this.logger.error(`restarting mediasoup worker slot ${slot} failed (${String(error)}); again in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      if (!this.closed) {
        await this.respawn(slot, attempt + 1);
      }
    }
  }
}
