import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

/** A message as an export reads it (`findPage`). */
export interface ExportRow {
  id: string;
  author_id: string | null;
  author_name: string | null;
  user_name: string | null;
  body: string;
  kind: string;
  media: { filename?: string; type?: string } | null;
  created_at: Date;
  /** `created_at` as PostgreSQL prints it (microseconds kept): the keyset position of the next page. */
  cursor_at: string;
  edited_at: Date | null;
  deleted_at: Date | null;
  reply_to_id: string | null;
}

/** What an export says of its conversation. */
export interface ExportedConversation {
  id: string;
  type: string;
  title: string | null;
  created_at: Date;
  /** The platform it was imported from, if it was. */
  platform: string | null;
}

/** The SQL of exporting a conversation: its header and its messages, page by page. Queries only. */
@Injectable()
export class ChatExportRepository {
  constructor(private readonly em: EntityManager) {}

  /** The conversation, if `userId` is a member of it and it lies in the organization. */
  async findConversation(
    userId: string,
    organizationId: string,
    conversationId: string,
  ): Promise<ExportedConversation | undefined> {
    const [conversation] = await this.em.getConnection().execute<ExportedConversation[]>(
      `select c.id, c.type, c.title, c.created_at,
              (select i.platform from chat_imports i where i.conversation_id = c.id limit 1) as platform
         from chat_conversation_members cm join chat_conversations c on c.id = cm.conversation_id
        where cm.user_id = ? and c.organization_id = ? and c.id = ?`,
      [userId, organizationId, conversationId],
    );
    return conversation;
  }

  /** Up to `limit` messages of the conversation after the position `after` (a previous row's), oldest first. */
  findPage(conversationId: string, after: { at: string; id: string } | null, limit: number): Promise<ExportRow[]> {
    const params: unknown[] = [conversationId];
    let cursor = '';
    if (after) {
      cursor = 'and (m.created_at, m.id) > (?::timestamptz, ?::uuid)';
      params.push(after.at, after.id);
    }
    params.push(limit);
    return this.em.getConnection().execute<ExportRow[]>(
      `select m.id, m.author_id, m.author_name, coalesce(u.display_name, u.username) as user_name, m.body, m.kind,
              m.media, m.created_at, m.created_at::text as cursor_at, m.edited_at, m.deleted_at, m.reply_to_id
         from chat_messages m left join users u on u.id = m.author_id
        where m.conversation_id = ? ${cursor}
        order by m.created_at, m.id
        limit ?`,
      params,
    );
  }
}
