import { EnsureRequestContext, EntityManager } from '@mikro-orm/postgresql';
import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { MetricsService } from 'src/modules/metrics/metrics.service';
import { rooms } from 'src/realtime/events';
import { CHAT_NAMESPACE, conversationRoom } from './chat.events';
import { SocketAuthService } from 'src/modules/auth/socket-auth.service';
import { handshakeRefusal, SocketData } from 'src/realtime/socket-handshake';
import { answer, AnswerOptions, parsePayload } from 'src/realtime/socket-toolkit';
import { ChatPresenceService } from './chat-presence.service';
import { ChatRealtimeService } from './chat-realtime.service';
import { ConversationRefDto, PresenceQueryDto } from './chat-socket.dto';
import {
  ChatAck,
  ChatClientToServerEvents,
  ChatEvents,
  ChatServerToClientEvents,
  TYPING_EXPIRES_MS,
} from './chat.events';
import { ChatError, ChatErrorCode } from './chat.errors';
import { ChatMembersService } from './chat-members.service';

interface ChatSocketData extends SocketData {
  /** Conversations loaded during the handshake, joined on connect. */
  conversationIds: string[];
}

type ChatSocket = Socket<ChatClientToServerEvents, ChatServerToClientEvents, Record<string, never>, ChatSocketData>;

/**
 * The `/chat` namespace: the same handshake authentication as `/notifications`; on connect a socket joins its user's
 * room and the room of every conversation its user is a member of (and is joined to new ones by the server), so
 * clients need not join anything. Typing is relayed here (throttled in Redis, so across nodes); presence is counted
 * per socket in Redis. Message, conversation and read events come from the chat services after their transactions.
 */
@WebSocketGateway({ namespace: CHAT_NAMESPACE })
export class ChatGateway implements OnGatewayInit<Namespace>, OnGatewayConnection<ChatSocket>, OnGatewayDisconnect {
  private readonly logger = new Logger(ChatGateway.name);

  @WebSocketServer()
  private readonly namespace!: Namespace;

  constructor(
    private readonly em: EntityManager,
    private readonly socketAuth: SocketAuthService,
    private readonly chat: ChatMembersService,
    private readonly presence: ChatPresenceService,
    private readonly realtime: ChatRealtimeService,
    private readonly metrics: MetricsService,
  ) {}

  afterInit(namespace: Namespace): void {
    namespace.use(this.socketAuth.middleware());
    namespace.use((socket, next) => {
      const data = socket.data as ChatSocketData;
      this.conversationIdsOf(data.user.id).then(
        (ids) => {
          data.conversationIds = ids;
          next();
        },
        (error: unknown) => next(handshakeRefusal(error, this.logger, 'chat handshake failed')),
      );
    });
    this.metrics.trackRealtimeNamespace(namespace.name, () => namespace.sockets.size);
  }

  /** Joins synchronously, so the rooms are in place before the client sees `connect`. */
  handleConnection(socket: ChatSocket): void {
    const { user, conversationIds } = socket.data;
    void socket.join([rooms.user(user.id), rooms.session(user.sessionId), ...conversationIds.map(conversationRoom)]);
    void this.presence
      .connected(user.id, socket.id)
      .then((cameOnline) => (cameOnline ? this.announce(user.id, 'online') : undefined))
      .catch((error: unknown) => this.logger.warn({ err: error }, 'presence not recorded'));
  }

  handleDisconnect(socket: ChatSocket): void {
    const user = socket.data.user;
    if (!user) {
      return;
    }
    void this.presence
      .disconnected(user.id, socket.id)
      .then((wentOffline) => (wentOffline ? this.announce(user.id, 'offline') : undefined))
      .catch((error: unknown) => this.logger.warn({ err: error }, 'presence not recorded'));
  }

  @SubscribeMessage('conversation.join')
  join(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown): Promise<ChatAck> {
    return answer(
      async () => {
        const { conversationId } = parsePayload(ConversationRefDto, body);
        if (!(await this.isMember(socket.data.user.id, conversationId))) {
          throw conversationNotFound(conversationId);
        }
        await socket.join(conversationRoom(conversationId));
        return {};
      },
      this.ack(socket, 'conversation join failed'),
    );
  }

  /** Relayed to the conversation's room except the typist's own sockets, at most once per 2 s per user+conversation. */
  @SubscribeMessage('typing')
  typing(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
  ): Promise<ChatAck<{ throttled?: boolean }>> {
    return answer(
      async (): Promise<{ throttled?: boolean }> => {
        const { conversationId } = parsePayload(ConversationRefDto, body);
        const room = conversationRoom(conversationId);
        // The socket is in the room exactly while its user is a member (joined on connect, moved by membership changes).
        if (!socket.rooms.has(room)) {
          throw conversationNotFound(conversationId);
        }
        const userId = socket.data.user.id;
        if (!(await this.presence.firstTyping(userId, conversationId))) {
          return { throttled: true };
        }
        // The room is moved by membership changes through Redis; the database is asked too (once per throttle window),
        // so a socket still in the room a moment after its user was removed cannot type into it.
        if (!(await this.isMember(userId, conversationId))) {
          await socket.leave(room);
          throw conversationNotFound(conversationId);
        }
        const payload: ChatEvents['typing'] = { conversationId, userId, expiresInMs: TYPING_EXPIRES_MS };
        this.namespace.to(room).except(rooms.user(userId)).emit('typing', payload);
        return {};
      },
      this.ack(socket, 'typing failed'),
    );
  }

  /**
   * Which of these users are online, among those who share a conversation with the asker (and the asker): anyone
   * else is left out of `online` exactly like an offline or unknown user, so the answer reveals neither their
   * presence nor that the id exists. The same users receive the asker's own `presence` events.
   */
  @SubscribeMessage('presence.query')
  presenceQuery(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
  ): Promise<ChatAck<{ online: string[] }>> {
    return answer(
      async () => {
        const { userIds } = parsePayload(PresenceQueryDto, body);
        const visible = await this.presenceVisibleTo(socket.data.user.id, userIds);
        return { online: await this.presence.online(userIds.filter((id) => visible.has(id))) };
      },
      this.ack(socket, 'presence query failed'),
    );
  }

  @EnsureRequestContext()
  private conversationIdsOf(userId: string): Promise<string[]> {
    return this.chat.conversationIdsOf(userId);
  }

  @EnsureRequestContext()
  private presenceVisibleTo(userId: string, userIds: string[]): Promise<Set<string>> {
    return this.chat.presenceVisibleTo(userId, userIds);
  }

  @EnsureRequestContext()
  private isMember(userId: string, conversationId: string): Promise<boolean> {
    return this.chat.isMember(userId, conversationId);
  }

  private ack(socket: ChatSocket, failure: string): AnswerOptions {
    return { style: 'code', logger: this.logger, failure, context: { userId: socket.data.user.id } };
  }

  /** To everyone sharing a conversation with the user, and the user's own other sockets. */
  private async announce(userId: string, status: 'online' | 'offline'): Promise<void> {
    const conversationIds = await this.conversationIdsOf(userId);
    this.realtime.toRooms([rooms.user(userId), ...conversationIds.map(conversationRoom)], 'presence', {
      userId,
      status,
      at: new Date().toISOString(),
    });
  }
}

function conversationNotFound(conversationId: string): ChatError {
  return new ChatError(ChatErrorCode.ConversationNotFound, `Conversation ${conversationId} not found`);
}
