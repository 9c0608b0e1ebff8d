import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { isUUID } from 'class-validator';
import type { Namespace, Socket } from 'socket.io';
import { PlatformErrorCode } from 'src/common/errors/app-error';
import { MetricsService } from 'src/modules/metrics/metrics.service';
import { OrganizationsService } from 'src/modules/organizations/organizations.service';
import { OrgErrorCode } from 'src/modules/organizations/organizations.errors';
import { SocketAuthService } from 'src/modules/auth/socket-auth.service';
import {
  ClientToServerEvents,
  InterServerEvents,
  NOTIFICATIONS_NAMESPACE,
  rooms,
  ServerToClientEvents,
  SubscriptionAck,
} from 'src/realtime/events';
import { SocketData } from 'src/realtime/socket-handshake';

type NotificationsSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/**
 * The `/notifications` namespace: authenticated on handshake (refused with `connect_error`), each socket joins
 * its user's and its session's rooms, and may subscribe to the organizations its user is a member of.
 * Emitting is `RealtimeService`'s job; this gateway only admits sockets and manages their rooms.
 */
@WebSocketGateway({ namespace: NOTIFICATIONS_NAMESPACE })
export class NotificationsGateway implements OnGatewayInit<Namespace>, OnGatewayConnection<NotificationsSocket> {
  private readonly logger = new Logger(NotificationsGateway.name);

  constructor(
    private readonly socketAuth: SocketAuthService,
    private readonly organizations: OrganizationsService,
    private readonly metrics: MetricsService,
  ) {}

  afterInit(namespace: Namespace): void {
    namespace.use(this.socketAuth.middleware());
    this.metrics.trackRealtimeNamespace(namespace.name, () => namespace.sockets.size);
  }

  /** Runs in the same tick as the handshake's answer, so the rooms are joined before the client sees `connect`. */
  handleConnection(socket: NotificationsSocket): void {
    const { user } = socket.data;
    void socket.join([rooms.user(user.id), rooms.session(user.sessionId)]);
  }

  @SubscribeMessage('subscribe')
  async subscribe(
    @ConnectedSocket() socket: NotificationsSocket,
    @MessageBody() body: unknown,
  ): Promise<SubscriptionAck> {
    const organizationId = organizationIdOf(body);
    if (!organizationId) {
      return { ok: false, code: PlatformErrorCode.ValidationFailed };
    }
    try {
      if (!(await this.organizations.roleOf(organizationId, socket.data.user.id))) {
        return { ok: false, code: OrgErrorCode.NotFound };
      }
    } catch (error) {
      this.logger.error({ err: error, organizationId }, 'organization subscription failed');
      return { ok: false, code: PlatformErrorCode.Internal };
    }
    await socket.join(rooms.organization(organizationId));
    return { ok: true };
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(
    @ConnectedSocket() socket: NotificationsSocket,
    @MessageBody() body: unknown,
  ): Promise<SubscriptionAck> {
    const organizationId = organizationIdOf(body);
    if (!organizationId) {
      return { ok: false, code: PlatformErrorCode.ValidationFailed };
    }
    await socket.leave(rooms.organization(organizationId));
    return { ok: true };
  }
}

function organizationIdOf(body: unknown): string | undefined {
  const id = (body as { organizationId?: unknown } | null)?.organizationId;
  return typeof id === 'string' && isUUID(id) ? id : undefined;
}
