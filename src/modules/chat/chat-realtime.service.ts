import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Emitter } from '@socket.io/redis-emitter';
import Redis from 'ioredis';
import { rooms } from 'src/realtime/events';
import { CHAT_NAMESPACE, conversationRoom } from './chat.events';
import { REDIS } from 'src/redis/redis.module';
import { createSocketEmitter } from 'src/realtime/socket-toolkit';
import { ChatEventName, ChatEvents, ChatServerToClientEvents } from './chat.events';

/**
 * Emits `/chat` events from any process through Redis (`@socket.io/redis-emitter`); every API node's Redis adapter
 * delivers them to the sockets it holds. Callers emit only after their transaction committed. Best-effort: a Redis
 * failure is logged, never thrown into the caller.
 */
@Injectable()
export class ChatRealtimeService {
  private readonly logger = new Logger(ChatRealtimeService.name);
  private readonly chat: Emitter<ChatServerToClientEvents>;

  constructor(@Inject(REDIS) redis: Redis) {
    this.chat = createSocketEmitter<ChatServerToClientEvents>(
      redis,
      CHAT_NAMESPACE,
      this.logger,
      'chat event not published',
    );
  }

  toConversation<E extends ChatEventName>(conversationId: string, event: E, payload: ChatEvents[E]): void {
    this.emit([conversationRoom(conversationId)], event, payload);
  }

  /** To the rooms of several conversations and users at once; a socket in several of them gets it once. */
  toRooms<E extends ChatEventName>(roomNames: string[], event: E, payload: ChatEvents[E]): void {
    if (roomNames.length > 0) {
      this.emit(roomNames, event, payload);
    }
  }

  /** Puts the users' connected sockets (on every node) into the conversation's room. */
  join(userIds: string[], conversationId: string): void {
    if (userIds.length > 0) {
      this.chat.in(userIds.map(rooms.user)).socketsJoin(conversationRoom(conversationId));
    }
  }

  leave(userIds: string[], conversationId: string): void {
    if (userIds.length > 0) {
      this.chat.in(userIds.map(rooms.user)).socketsLeave(conversationRoom(conversationId));
    }
  }

  private emit<E extends ChatEventName>(roomNames: string[], event: E, payload: ChatEvents[E]): void {
    this.chat.to(roomNames).emit(event, ...([payload] as Parameters<ChatServerToClientEvents[E]>));
  }
}
