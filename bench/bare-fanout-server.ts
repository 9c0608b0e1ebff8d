/**
 * The baseline node of bench/chat-fanout.ts: a plain socket.io server joined to the others by
 * `@socket.io/redis-adapter` on the same Redis as Switchboard's nodes (ioredis clients, as Switchboard's adapter
 * uses), every socket in one room. A client's `send` is broadcast to the room as a `message` of the shape and size
 * of Switchboard's `message.created` (a ChatMessageDto), so both sides put as many bytes on every socket: this
 * node's own sockets directly, the other nodes' through Redis. No auth, no database, no logging. `GET /ready`
 * answers 200 once listening.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { Server } from 'socket.io';

const CONVERSATION_ID = randomUUID();
const AUTHOR_ID = randomUUID();

/** A chat message as Switchboard's `toMessageDto` prints a new text message. */
function messageLike(body: string): Record<string, unknown> {
  return {
    id: randomUUID(),
    conversationId: CONVERSATION_ID,
    authorId: AUTHOR_ID,
    body,
    replyToId: null,
    clientMessageId: null,
    createdAt: new Date().toISOString(),
    editedAt: null,
    deletedAt: null,
    deleted: false,
    attachments: [],
    mentions: [],
    kind: 'text',
    authorName: null,
    media: null,
  };
}

function main(): void {
  const redisUrl = process.env.REDIS_URL!;
  const http = createServer((request, response) => {
    response.writeHead(request.url === '/ready' ? 200 : 404).end();
  });
  const server = new Server(http, {
    serveClient: false,
    adapter: createAdapter(new Redis(redisUrl), new Redis(redisUrl)),
  });
  server.on('connection', (socket) => {
    void socket.join('room');
    socket.on('send', (body: string) => server.to('room').emit('message', messageLike(body)));
  });
  // A normal exit, so `--cpu-prof` writes its profile.
  process.once('SIGTERM', () => process.exit(0));
  http.listen(Number(process.env.PORT), '127.0.0.1');
}

main();
