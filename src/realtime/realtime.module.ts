import { Global, Module } from '@nestjs/common';
import { RealtimeService } from './realtime.service';

/**
 * Socket.IO's platform side: `RealtimeService` (global, usable from API nodes and workers) pushes typed events to
 * user, organization and conversation rooms. Gateways live in their domains (the `/notifications` namespace in
 * notifications, `/chat` in chat, `/meetings` in meetings) and authenticate with the auth module's
 * `SocketAuthService`. The server itself is attached by `RedisIoAdapter` in `createHttpApp`, so worker processes
 * never open one.
 */
@Global()
@Module({
  providers: [RealtimeService],
  exports: [RealtimeService],
})
export class RealtimeModule {}
