import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { MetricsService } from 'src/modules/metrics/metrics.service';
import { OrganizationsService } from 'src/modules/organizations/organizations.service';
import { OrgError, OrgErrorCode } from 'src/modules/organizations/organizations.errors';
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
import { answer, AnswerOptions, parsePayload } from 'src/realtime/socket-toolkit';
import { OrganizationSubscriptionDto } from './notifications-socket.dto';

type NotificationsSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/**
 * The `/notifications` namespace: authenticated on handshake (refused with `connect_error`), each socket joins
 * its user's and its session's rooms, and may subscribe to the organizations its user is a member of.
 * Emitting is `RealtimeService`'s job; this gateway only admits sockets and manages their rooms.
 * Failures are acknowledged with their code alone (`{ ok: false, code }`).
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
  subscribe(@ConnectedSocket() socket: NotificationsSocket, @MessageBody() body: unknown): Promise<SubscriptionAck> {
    return answer(
      async () => {
        const { organizationId } = parsePayload(OrganizationSubscriptionDto, body);
        if (!(await this.organizations.roleOf(organizationId, socket.data.user.id))) {
          throw new OrgError(OrgErrorCode.NotFound, `Organization ${organizationId} not found`);
        }
        await socket.join(rooms.organization(organizationId));
        return {};
      },
      this.ack(socket, 'organization subscription failed'),
    );
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(@ConnectedSocket() socket: NotificationsSocket, @MessageBody() body: unknown): Promise<SubscriptionAck> {
    return answer(
      async () => {
        const { organizationId } = parsePayload(OrganizationSubscriptionDto, body);
        await socket.leave(rooms.organization(organizationId));
        return {};
      },
      this.ack(socket, 'organization unsubscription failed'),
    );
  }

  private ack(socket: NotificationsSocket, failure: string): AnswerOptions {
    return { style: 'code', logger: this.logger, failure, context: { userId: socket.data.user.id } };
  }
}
