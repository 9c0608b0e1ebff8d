/**
 * The baseline of bench/chat-write.ts: a bare Fastify server whose one handler writes a chat message as
 * `ChatMessagesService.send` does for a plain text message, with node-postgres and in one transaction: the
 * message row, the conversation's `last_message_at`, and the author's read position (their own message is read).
 * It answers 201 with the message in the shape of Switchboard's ChatMessageDto. The author is the `x-user-id`
 * header; nothing else — no auth, no validation, no membership check, no rate limit, no events, no logging.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Pool } from 'pg';

async function main(): Promise<void> {
  // Switchboard's MikroORM pool holds at most DATABASE_POOL_MAX (default 10) connections.
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  const app = Fastify({ logger: false });
  app.get('/ready', () => ({ ok: true }));
  app.post('/conversations/:id/messages', async (request, reply) => {
    const conversationId = (request.params as { id: string }).id;
    const authorId = request.headers['x-user-id'] as string;
    const { body } = request.body as { body: string };
    const id = randomUUID();
    const now = new Date();
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query(
        `insert into chat_messages (id, created_at, updated_at, conversation_id, author_id, body, client_message_id, reply_to_id)
         values ($1, $2, $2, $3, $4, $5, null, null)`,
        [id, now, conversationId, authorId, body],
      );
      await client.query('update chat_conversations set last_message_at = $1, updated_at = $1 where id = $2', [
        now,
        conversationId,
      ]);
      await client.query(
        `update chat_conversation_members set last_read_message_id = $1, last_read_at = $2, updated_at = $2
         where conversation_id = $3 and user_id = $4`,
        [id, now, conversationId, authorId],
      );
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      throw error;
    } finally {
      client.release();
    }
    void reply.status(201);
    return {
      id,
      conversationId,
      authorId,
      body,
      replyToId: null,
      clientMessageId: null,
      createdAt: now.toISOString(),
      editedAt: null,
      deletedAt: null,
      deleted: false,
      attachments: [],
      mentions: [],
      kind: 'text',
      authorName: null,
      media: null,
    };
  });
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
}

void main();
