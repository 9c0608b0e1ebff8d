/**
 * mediasoup 3.8 takes its worker binary only from `process.env.MEDIASOUP_WORKER_BIN`, read once when its module
 * loads. The SFU pool calls this with the configured (or cached) path just before it loads mediasoup.
 */
export function exposeMediasoupWorkerBin(path: string): void {
  process.env.MEDIASOUP_WORKER_BIN = path;
}
