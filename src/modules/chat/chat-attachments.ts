import { EntityManager } from '@mikro-orm/postgresql';
import { ChatAttachment } from './chat-attachment.entity';
import { ChatAttachmentDto } from './chat.dto';

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
