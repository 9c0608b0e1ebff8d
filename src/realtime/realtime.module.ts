import { DynamicModule, Global, Module } from '@nestjs/common';
import { REALTIME_NAMESPACES, RealtimeService } from './realtime.service';

/**
 * Socket.IO's platform side: `RealtimeService` (global, usable from API nodes and workers) pushes typed events to
 * user and organization rooms. Gateways live in their domains (the `/notifications` namespace in
 * notifications, `/chat` in chat, `/meetings` in meetings) and authenticate with the auth module's
 * `SocketAuthService`. The server itself is attached by `RedisIoAdapter` in `createHttpApp`, so worker processes
 * never open one.
 */
@Global()
@Module({})
export class RealtimeModule {
  /** `namespaces`: every namespace the domains serve; sockets of ended sessions are disconnected from each. */
  static forRoot(namespaces: readonly string[]): DynamicModule {
    return {
      module: RealtimeModule,
      providers: [{ provide: REALTIME_NAMESPACES, useValue: namespaces }, RealtimeService],
      exports: [RealtimeService],
    };
  }
}
