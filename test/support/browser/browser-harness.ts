import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { eventually } from '../test-app';
import type { ConsumerStats, MeetingPageApi, RecordedEvent } from './meeting-page.types';

/** Debian's `chromium` (scripts/provision.sh installs it for the tests); Playwright's own browsers cannot be fetched. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Received tracks play in <audio>/<video> elements without a user gesture.
  '--autoplay-policy=no-user-gesture-required',
];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};

const PAGE_HTML = `<!doctype html>
<html>
  <head><meta charset="utf-8" /><link rel="icon" href="data:," /><title>meeting client</title></head>
  <body><script src="meeting-client.js"></script></body>
</html>
`;

/** Bundles page/meeting-client.ts (mediasoup-client, socket.io-client) into `dir` with an index.html. */
export async function bundleMeetingPage(dir: string): Promise<void> {
  await build({
    entryPoints: [join(__dirname, 'page', 'meeting-client.ts')],
    tsconfig: join(__dirname, 'page', 'tsconfig.json'),
    outfile: join(dir, 'meeting-client.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome110',
    sourcemap: true,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  writeFileSync(join(dir, 'index.html'), PAGE_HTML);
}

/** A static file server for `dir` on 127.0.0.1 (GET only, no directory listing). */
export async function serveStatic(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (req.method !== 'GET' || !file.startsWith(dir)) {
      res.writeHead(405).end();
      return;
    }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `method` of `window.meeting` in the page with `args` (structured-cloned both ways). */
type PageCall = <K extends keyof MeetingPageApi>(
  method: K,
  ...args: Parameters<MeetingPageApi[K]>
) => ReturnType<MeetingPageApi[K]>;

/** One participant: a Chromium tab on the test page, driven through `window.meeting`. */
export class BrowserParticipant {
  readonly call: PageCall;
  /** The page's console errors and uncaught exceptions, for failure messages. */
  readonly pageErrors: string[] = [];

  constructor(
    readonly name: string,
    readonly page: Page,
  ) {
    this.call = ((method: keyof MeetingPageApi, ...args: unknown[]) =>
      page.evaluate(
        ([m, a]) => {
          const api = (globalThis as unknown as { meeting: Record<string, (...x: unknown[]) => Promise<unknown>> })
            .meeting;
          return api[m](...a);
        },
        [method, args] as const,
      )) as PageCall;
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') {
        this.pageErrors.push(message.text());
      }
    });
  }

  /** Waits until an event named `name` matching `predicate` arrived, and returns it. */
  waitForEvent(
    name: string,
    predicate: (payload: any) => boolean = () => true,
    timeoutMs = 20_000,
  ): Promise<RecordedEvent> {
    return eventually(
      async () => (await this.call('events', name)).find((e) => predicate(e.payload)),
      timeoutMs,
      `${this.name}: event ${name}`,
    );
  }

  /**
   * Waits until this participant holds a consumer for each of `producerIds` and every one of them shows media
   * flowing: bytesReceived grew between two samples (and framesDecoded grew for video). Returns the last sample.
   */
  async waitForFlowingMedia(producerIds: string[], timeoutMs = 45_000): Promise<ConsumerStats[]> {
    let previous = new Map<string, ConsumerStats>();
    return eventually(
      async () => {
        const stats = (await this.call('consumerStats')).filter((s) => producerIds.includes(s.producerId) && !s.closed);
        const current = new Map(stats.map((s) => [s.producerId, s]));
        const flowing = producerIds.every((id) => {
          const now = current.get(id);
          const before = previous.get(id);
          return (
            now !== undefined &&
            before !== undefined &&
            now.bytesReceived > before.bytesReceived &&
            (now.kind === 'audio' || now.framesDecoded > before.framesDecoded)
          );
        });
        previous = current;
        return flowing ? stats : undefined;
      },
      timeoutMs,
      `${this.name}: media flowing from ${producerIds.join(', ')}`,
    ).catch(async (error: Error) => {
      const state = await this.call('state').catch(() => undefined);
      const stats = await this.call('consumerStats').catch(() => undefined);
      error.message += `\nstate: ${JSON.stringify(state)}\nconsumers: ${JSON.stringify(stats)}\npage errors: ${JSON.stringify(this.pageErrors)}`;
      throw error;
    });
  }
}

/**
 * Chromium (headless, fake camera and microphone, a fresh profile) with the test page bundled and served on
 * 127.0.0.1. `participant()` opens another tab; `close()` ends the browser, the server and the temp directories.
 */
export interface BrowserHarness {
  pageUrl: string;
  participant(name: string): Promise<BrowserParticipant>;
  close(): Promise<void>;
}

export async function startBrowserHarness(): Promise<BrowserHarness> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: run \`npm run provision\` (installs Debian's chromium for the tests)`,
    );
  }
  const siteDir = mkdtempSync(join(tmpdir(), 'switchboard-meeting-page-'));
  const profileDir = mkdtempSync(join(tmpdir(), 'switchboard-chromium-'));
  let site: Awaited<ReturnType<typeof serveStatic>> | undefined;
  let context: BrowserContext | undefined;
  const cleanup = async (): Promise<void> => {
    await context?.close().catch(() => undefined);
    await site?.close();
    rmSync(siteDir, { recursive: true, force: true });
    rmSync(profileDir, { recursive: true, force: true });
  };
  try {
    await bundleMeetingPage(siteDir);
    site = await serveStatic(siteDir);
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      permissions: ['camera', 'microphone'],
    });
  } catch (error) {
    await cleanup();
    throw error;
  }
  const browser = context;
  const pageUrl = site.url;
  return {
    pageUrl,
    async participant(name: string): Promise<BrowserParticipant> {
      const page = await browser.newPage();
      const participant = new BrowserParticipant(name, page);
      await page.goto(pageUrl);
      await page.waitForFunction(() => (globalThis as any).meeting !== undefined, undefined, { timeout: 15_000 });
      return participant;
    },
    close: cleanup,
  };
}
