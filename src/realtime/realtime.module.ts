import { Global, Module } from '@nestjs/common';
import { AuthModule } from 'src/modules/auth/auth.module';
import { OrganizationsModule } from 'src/modules/organizations/organizations.module';
import { RealtimeGateway } from './realtime.gateway';
import { RealtimeService } from './realtime.service';
import { SocketAuthService } from './socket-auth.service';

/**
 * Socket.IO: `RealtimeService` (global, usable from API nodes and workers) pushes typed events to user and
 * organization rooms; `SocketAuthService` authenticates handshakes for this and later gateways (chat, meetings).
 * The server itself is attached by `RedisIoAdapter` in `createHttpApp`, so worker processes never open one.
 */
@Global()
@Module({
  imports: [AuthModule, OrganizationsModule],
  providers: [RealtimeService, SocketAuthService, RealtimeGateway],
  exports: [RealtimeService, SocketAuthService],
})
export class RealtimeModule {}
