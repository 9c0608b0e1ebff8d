import { EntityManager } from '@mikro-orm/postgresql';
import { ChatAttachment } from './chat-attachment.entity';
import { ChatAttachmentDto } from './chat.dto';
import { ChatError, ChatErrorCode } from './chat.errors';

export function toAttachmentDto(a: ChatAttachment): ChatAttachmentDto {
  return {
    id: a.id,
    filename: a.filename,
    contentType: a.contentType,
    size: a.size,
    sha256: a.sha256,
    createdAt: a.createdAt.toISOString(),
  };
}

/** The attachments of these messages, in upload order, grouped by message id (one query). */
export async function attachmentsByMessage(
  em: EntityManager,
  messageIds: string[],
): Promise<Map<string, ChatAttachmentDto[]>> {
  const byMessage = new Map<string, ChatAttachmentDto[]>();
  if (messageIds.length === 0) {
    return byMessage;
  }
  const rows = await em.find(
    ChatAttachment,
    { message: { $in: messageIds } },
    { orderBy: { position: 'asc', createdAt: 'asc', id: 'asc' } },
  );
  for (const row of rows) {
    const messageId = row.message!.id;
    const list = byMessage.get(messageId) ?? [];
    list.push(toAttachmentDto(row));
    byMessage.set(messageId, list);
  }
  return byMessage;
}

/**
 * Inside the send's transaction: attaches the caller's pending uploads of this conversation to the new message.
 * Any id that is not such an upload (someone else's, another conversation's, already sent) fails the whole send.
 */
export async function claimAttachments(
  em: EntityManager,
  claim: { conversationId: string; uploaderId: string; messageId: string; ids: string[] },
): Promise<void> {
  if (claim.ids.length === 0) {
    return;
  }
  // The ids are validated UUIDs, so the array literal is safe; knex would spread a JS array into a list.
  const ids = `{${claim.ids.join(',')}}`;
  const claimed = await em.getConnection().execute<{ id: string }[]>(
    `update chat_attachments set message_id = ?, position = array_position(?::uuid[], id)
      where id = any(?::uuid[]) and conversation_id = ? and uploader_id = ? and message_id is null
      returning id`,
    [claim.messageId, ids, ids, claim.conversationId, claim.uploaderId],
    'all',
    em.getTransactionContext(),
  );
  if (claimed.length !== claim.ids.length) {
    throw new ChatError(
      ChatErrorCode.AttachmentInvalid,
      'attachmentIds must name your own uploads to this conversation that are not attached to a message yet',
      { field: 'attachmentIds' },
    );
  }
}
