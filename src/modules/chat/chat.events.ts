import type { Ack } from 'src/realtime/socket-toolkit';
import type { ChatMessageDto } from './chat.dto';

/**
 * Every event the `/chat` namespace pushes, with its payload. Unlike `/notifications`, message events carry the
 * whole message (a chat client renders it at once); the HTTP API stays the source of truth, and a client that was
 * disconnected catches up with `GET …/messages?since=<last event time>`.
 */
export interface ChatEvents {
  /** A message was sent (room `conversation:<id>`, the sender's own sockets included). */
  'message.created': ChatMessageDto;
  /** A message was edited. */
  'message.updated': ChatMessageDto;
  /** A message was deleted (its body is gone). */
  'message.deleted': { conversationId: string; id: string; deletedAt: string };
  /**
   * A conversation was created, renamed, or its members changed (room `conversation:<id>`, plus `user:<id>` of
   * members who were just added or removed). Refetch it with GET /chat/conversations/{id}.
   */
  'conversation.updated': { conversationId: string; reason: ConversationChange; userIds?: string[] };
  /** Someone is typing; show it for `expiresInMs` unless another `typing` arrives. Not sent to the typist. */
  typing: { conversationId: string; userId: string; expiresInMs: number };
  /** A user's first socket connected (`online`) or last socket closed (`offline`), across tabs and nodes. */
  presence: { userId: string; status: PresenceStatus; at: string };
  /** A member's read position moved (read receipt). */
  read: { conversationId: string; userId: string; messageId: string; readAt: string };
}

export type ConversationChange = 'created' | 'title' | 'members_added' | 'member_removed';
export type PresenceStatus = 'online' | 'offline';
export type ChatEventName = keyof ChatEvents;

export type ChatServerToClientEvents = { [E in ChatEventName]: (payload: ChatEvents[E]) => void };

/** Acknowledgement of client events on `/chat`. */
export type ChatAck<T extends object = object> = Ack<T>;

/** What clients may send on `/chat`, each with an acknowledgement callback. */
export interface ChatClientToServerEvents {
  /** Join a conversation's room (members only). Sockets join all their conversations on connect already. */
  'conversation.join': (body: { conversationId: string }, ack: (answer: ChatAck) => void) => void;
  /** "I am typing": relayed to the other members at most once per 2 s per user and conversation. */
  typing: (body: { conversationId: string }, ack: (answer: ChatAck<{ throttled?: boolean }>) => void) => void;
  /**
   * Who of these users is online now. Only users sharing a conversation with you (and you) are answered; anyone
   * else is left out of `online` as if offline, whether or not the id exists.
   */
  'presence.query': (body: { userIds: string[] }, ack: (answer: ChatAck<{ online: string[] }>) => void) => void;
}

/** How long a `typing` indicator stays up without a new one. */
/** The namespace of chat: messages, typing, presence and read receipts. */
export const CHAT_NAMESPACE = '/chat';

/** On `/chat`: the room of every socket of every member of the conversation. */
export const conversationRoom = (conversationId: string): string => `conversation:${conversationId}`;

export const TYPING_EXPIRES_MS = 5000;
/** At most one relayed `typing` per user and conversation in this window. */
export const TYPING_THROTTLE_MS = 2000;
