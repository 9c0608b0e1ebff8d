import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import type { Server, ServerOptions } from 'socket.io';
import { redisConnectionOptions } from 'src/redis/redis.options';
import { REALTIME_PATH } from './events';

export interface RedisIoAdapterOptions {
  redisUrl: string;
  /** Origins allowed to connect from a browser (as for HTTP CORS); `false`: same origin only. */
  corsOrigins: string[] | '*' | false;
}

/**
 * Socket.IO on the application's own HTTP server (Fastify's Node server, same port, path `/socket.io`), with
 * the Redis adapter: a broadcast on one node, or published by `RealtimeService` from any process, reaches the
 * matching sockets on every node. Every gateway shares this one server; each has its own namespace.
 */
export class RedisIoAdapter extends IoAdapter {
  private readonly logger = new Logger('Realtime');
  private readonly clients: Redis[] = [];

  constructor(
    app: INestApplicationContext,
    private readonly options: RedisIoAdapterOptions,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const { corsOrigins } = this.options;
    const server = super.createIOServer(port, {
      ...options,
      path: REALTIME_PATH,
      serveClient: false,
      cors: corsOrigins
        ? { origin: corsOrigins === '*' ? true : corsOrigins, credentials: corsOrigins !== '*' }
        : undefined,
    }) as Server;
    server.adapter(createAdapter(this.client('pub'), this.client('sub')));
    return server;
  }

  /** Called by Nest after the servers closed: ends the adapter's Redis connections. */
  override async dispose(): Promise<void> {
    await Promise.all(
      this.clients.splice(0).map((client) =>
        Promise.race([client.quit(), new Promise((resolve) => setTimeout(resolve, 2000).unref())])
          .catch(() => undefined)
          .finally(() => client.disconnect()),
      ),
    );
  }

  /**
   * A dedicated connection (a subscriber cannot share one). Commands wait for the connection instead of failing
   * fast, because the adapter sends them without handling errors; ioredis re-subscribes after a reconnect.
   */
  private client(role: 'pub' | 'sub'): Redis {
    const client = new Redis({
      ...redisConnectionOptions(this.options.redisUrl, { forQueue: true }),
      connectionName: `switchboard:realtime-${role}`,
    });
    let lastErrorLog = 0;
    client.on('error', (error: Error) => {
      if (Date.now() - lastErrorLog > 10_000) {
        lastErrorLog = Date.now();
        this.logger.warn({ err: error.message, role }, 'realtime redis connection error');
      }
    });
    this.clients.push(client);
    return client;
  }
}
