import { EnsureRequestContext, EntityManager } from '@mikro-orm/postgresql';
import { Inject, Logger } from '@nestjs/common';
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
import { isUUID } from 'class-validator';
import Redis from 'ioredis';
import type { Namespace, Socket } from 'socket.io';
import { PlatformErrorCode } from 'src/common/errors/app-error';
import { MetricsService } from 'src/modules/metrics/metrics.service';
import { CHAT_NAMESPACE, rooms } from 'src/realtime/events';
import { SocketAuthService } from 'src/modules/auth/socket-auth.service';
import { SocketData } from 'src/realtime/socket-handshake';
import { REDIS } from 'src/redis/redis.module';
import { ChatPresenceService } from './chat-presence.service';
import { ChatRealtimeService } from './chat-realtime.service';
import {
  ChatAck,
  ChatClientToServerEvents,
  ChatEvents,
  ChatServerToClientEvents,
  TYPING_EXPIRES_MS,
  TYPING_THROTTLE_MS,
} from './chat.events';
import { ChatErrorCode } from './chat.errors';
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
 * per socket in Redis. Message, conversation and read events come from `ChatService` after its transactions.
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
    @Inject(REDIS) private readonly redis: Redis,
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
        (error: unknown) => {
          this.logger.error({ err: error }, 'chat handshake failed');
          const code = PlatformErrorCode.Internal;
          next(Object.assign(new Error(code), { data: { code, message: 'Internal error' } }));
        },
      );
    });
    this.metrics.trackRealtimeNamespace(namespace.name, () => namespace.sockets.size);
  }

  /** Joins synchronously, so the rooms are in place before the client sees `connect`. */
  handleConnection(socket: ChatSocket): void {
    const { user, conversationIds } = socket.data;
    void socket.join([rooms.user(user.id), rooms.session(user.sessionId), ...conversationIds.map(rooms.conversation)]);
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
  async join(@ConnectedSocket() socket: ChatSocket, @MessageBody() body: unknown): Promise<ChatAck> {
    const conversationId = conversationIdOf(body);
    if (!conversationId) {
      return { ok: false, code: PlatformErrorCode.ValidationFailed };
    }
    try {
      if (!(await this.isMember(socket.data.user.id, conversationId))) {
        return { ok: false, code: ChatErrorCode.ConversationNotFound };
      }
    } catch (error) {
      this.logger.error({ err: error, conversationId }, 'conversation join failed');
      return { ok: false, code: PlatformErrorCode.Internal };
    }
    await socket.join(rooms.conversation(conversationId));
    return { ok: true };
  }

  /** Relayed to the conversation's room except the typist's own sockets, at most once per 2 s per user+conversation. */
  @SubscribeMessage('typing')
  async typing(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
  ): Promise<ChatAck & { throttled?: boolean }> {
    const conversationId = conversationIdOf(body);
    if (!conversationId) {
      return { ok: false, code: PlatformErrorCode.ValidationFailed };
    }
    const room = rooms.conversation(conversationId);
    // The socket is in the room exactly while its user is a member (joined on connect, moved by membership changes).
    if (!socket.rooms.has(room)) {
      return { ok: false, code: ChatErrorCode.ConversationNotFound };
    }
    const userId = socket.data.user.id;
    const first = await this.redis.set(`chat:typing:${userId}:${conversationId}`, '1', 'PX', TYPING_THROTTLE_MS, 'NX');
    if (first !== 'OK') {
      return { ok: true, throttled: true };
    }
    // The room is moved by membership changes through Redis; the database is asked too (once per throttle window),
    // so a socket still in the room a moment after its user was removed cannot type into it.
    try {
      if (!(await this.isMember(userId, conversationId))) {
        await socket.leave(room);
        return { ok: false, code: ChatErrorCode.ConversationNotFound };
      }
    } catch (error) {
      this.logger.error({ err: error, conversationId }, 'typing membership check failed');
      return { ok: false, code: PlatformErrorCode.Internal };
    }
    const payload: ChatEvents['typing'] = { conversationId, userId, expiresInMs: TYPING_EXPIRES_MS };
    this.namespace.to(room).except(rooms.user(userId)).emit('typing', payload);
    return { ok: true };
  }

  /**
   * Which of these users are online, among those who share a conversation with the asker (and the asker): anyone
   * else is left out of `online` exactly like an offline or unknown user, so the answer reveals neither their
   * presence nor that the id exists. The same users receive the asker's own `presence` events.
   */
  @SubscribeMessage('presence.query')
  async presenceQuery(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
  ): Promise<{ ok: true; online: string[] } | { ok: false; code: string }> {
    const ids = (body as { userIds?: unknown } | null)?.userIds;
    if (!Array.isArray(ids) || ids.length > 500 || !ids.every((id) => typeof id === 'string' && isUUID(id))) {
      return { ok: false, code: PlatformErrorCode.ValidationFailed };
    }
    let visible: Set<string>;
    try {
      visible = await this.presenceVisibleTo(socket.data.user.id, ids as string[]);
    } catch (error) {
      this.logger.error({ err: error }, 'presence query failed');
      return { ok: false, code: PlatformErrorCode.Internal };
    }
    return { ok: true, online: await this.presence.online((ids as string[]).filter((id) => visible.has(id))) };
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

  /** To everyone sharing a conversation with the user, and the user's own other sockets. */
  private async announce(userId: string, status: 'online' | 'offline'): Promise<void> {
    const conversationIds = await this.conversationIdsOf(userId);
    this.realtime.toRooms([rooms.user(userId), ...conversationIds.map(rooms.conversation)], 'presence', {
      userId,
      status,
      at: new Date().toISOString(),
    });
  }
}

function conversationIdOf(body: unknown): string | undefined {
  const id = (body as { conversationId?: unknown } | null)?.conversationId;
  return typeof id === 'string' && isUUID(id) ? id : undefined;
}
