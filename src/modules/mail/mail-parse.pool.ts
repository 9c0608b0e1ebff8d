import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppConfigService } from 'src/config/app-config.service';
import { parseMessage, type ParsedBody } from './mail-parse';

interface Pending {
  resolve(parsed: ParsedBody): void;
  reject(error: Error): void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * The compiled worker script. Under ts-jest the sources run as TypeScript, which a worker thread cannot load; the
 * build (which `npm test` runs first) has the JavaScript next to the rest of dist/.
 */
function workerScript(): string | undefined {
  const beside = join(__dirname, 'mail-parse.worker.js');
  if (existsSync(beside)) {
    return beside;
  }
  const built = resolve(__dirname, '..', '..', '..', 'dist', 'src', 'modules', 'mail', 'mail-parse.worker.js');
  return existsSync(built) ? built : undefined;
}

/**
 * Parses synced messages on MAIL_PARSE_THREADS worker threads, so parsing (the costliest step of a sync) runs beside
 * the event loop that streams IMAP and writes PostgreSQL, on the other cores. Each source is copied once into the
 * request and transferred, never shared. A thread that dies fails its in-flight messages (the sync pass fails and
 * is retried; nothing is half-stored) and is replaced. With 0 threads, or no compiled worker script, messages are
 * parsed on the main thread.
 */
@Injectable()
export class MailParsePool implements OnModuleDestroy {
  private readonly logger = new Logger(MailParsePool.name);
  private readonly threads: Thread[] = [];
  private readonly script: string | undefined;
  private readonly size: number;
  private nextId = 0;
  private closed = false;

  constructor(config: AppConfigService) {
    this.size = config.mailAccounts.parseThreads;
    this.script = this.size > 0 ? workerScript() : undefined;
    if (this.size > 0 && !this.script) {
      this.logger.warn('mail-parse.worker.js not found (run npm run build): parsing on the main thread');
    }
  }

  /** Threads running now (they start with the first parse). */
  get threadCount(): number {
    return this.threads.length;
  }

  parse(source: Buffer): Promise<ParsedBody> {
    if (!this.script || this.closed) {
      return parseMessage(source);
    }
    const thread = this.leastBusy();
    const id = this.nextId++;
    const copy = new Uint8Array(source.byteLength);
    copy.set(source);
    return new Promise<ParsedBody>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ id, source: copy }, [copy.buffer]);
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    // In-flight parses fail (their sync pass stops without storing them) rather than wait forever on a dead thread.
    for (const thread of this.threads) {
      for (const pending of thread.pending.values()) {
        pending.reject(new Error('mail parse pool closed'));
      }
      thread.pending.clear();
    }
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
    this.threads.length = 0;
  }

  private leastBusy(): Thread {
    while (this.threads.length < this.size) {
      this.threads.push(this.spawn());
    }
    return this.threads.reduce((best, t) => (t.pending.size < best.pending.size ? t : best));
  }

  private spawn(): Thread {
    const thread: Thread = { worker: new Worker(this.script!), pending: new Map() };
    thread.worker.unref();
    thread.worker.on('message', (reply: { id: number; parsed?: ParsedBody; error?: string }) => {
      const pending = thread.pending.get(reply.id);
      thread.pending.delete(reply.id);
      if (reply.error !== undefined || !reply.parsed) {
        pending?.reject(new Error(`message not parsed: ${reply.error}`));
      } else {
        pending?.resolve(reply.parsed);
      }
    });
    const fail = (error: Error): void => {
      for (const pending of thread.pending.values()) {
        pending.reject(error);
      }
      thread.pending.clear();
      const index = this.threads.indexOf(thread);
      if (index >= 0) {
        this.threads.splice(index, 1); // replaced on the next parse
      }
    };
    thread.worker.on('error', (error: Error) => {
      this.logger.error({ err: error.message }, 'mail parse thread failed');
      fail(error);
    });
    thread.worker.on('exit', (code) => {
      if (!this.closed) {
        fail(new Error(`mail parse thread exited with code ${code}`));
      }
    });
    return thread;
  }
}
