import type { Knex } from '@mikro-orm/knex';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ConversationType } from 'src/modules/chat/conversation.entity';
import { ChatImportFailure, ChatImportStatus, type ChatImportDateOrder } from './chat-import.entity';
import type { ChatImportEntryKind, ChatImportMedia } from './chat-import.types';

/** One message of an export, as `insertMessages` stores it. */
export interface ImportedMessageRow {
  id: string;
  conversationId: string;
  authorId: string | null;
  authorName: string | null;
  body: string;
  kind: ChatImportEntryKind;
  media: ChatImportMedia | null;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
  editedAt: Date | null;
  replyToId: string | null;
  importSeq: number;
}

/** What `lockForFailure` reads of an import. */
export interface LockedImport {
  user_id: string;
  conversation_id: string | null;
  path: string | null;
  quota_messages: number;
  quota_import: boolean;
  status: ChatImportStatus;
}

const INSERT_COLUMNS = [
  'id',
  'conversation_id',
  'author_id',
  'author_name',
  'body',
  'kind',
  'media',
  'created_at',
  'updated_at',
  'deleted_at',
  'edited_at',
  'reply_to_id',
  'import_seq',
];

/**
 * The import job's SQL over `chat_imports` and the imported conversation. Queries only (no flush, no domain errors).
 * Methods that take an `em` run in that manager's transaction (the caller's), the others in the manager it holds.
 */
@Injectable()
export class ChatImportRepository {
  constructor(private readonly em: EntityManager) {}

  async findStatus(importId: string): Promise<ChatImportStatus | undefined> {
    const [row] = await this.em.execute<{ status: ChatImportStatus }[]>(
      'select status from chat_imports where id = ?',
      [importId],
    );
    return row?.status;
  }

  /** In `em`'s transaction: the import row, locked (`for update`) until it commits. */
  async lockForFailure(em: EntityManager, importId: string): Promise<LockedImport | undefined> {
    const [row] = await em.execute<LockedImport[]>(
      'select user_id, conversation_id, path, quota_messages, quota_import, status from chat_imports where id = ? for update',
      [importId],
    );
    return row;
  }

  /** In `em`'s transaction: the import ends `failed` with its error, unlinked from conversation and file. */
  async markFailed(em: EntityManager, importId: string, failure: ChatImportFailure): Promise<void> {
    await em.execute(
      `update chat_imports set status = 'failed', error = ?, conversation_id = null, path = null,
              finished_at = now(), updated_at = now() where id = ?`,
      [JSON.stringify(failure), importId],
    );
  }

  /** In `em`'s transaction: deletes a conversation (its members and messages with it). */
  async deleteConversation(em: EntityManager, conversationId: string): Promise<void> {
    await em.execute('delete from chat_conversations where id = ?', [conversationId]);
  }

  /** In `em`'s transaction: an imported conversation without members. */
  async insertConversation(
    em: EntityManager,
    conversation: { id: string; organizationId: string; title: string; createdById: string },
  ): Promise<void> {
    await em.execute(
      `insert into chat_conversations (id, created_at, updated_at, organization_id, type, title, created_by_id)
       values (?, now(), now(), ?, ?, ?, ?)`,
      [
        conversation.id,
        conversation.organizationId,
        ConversationType.Imported,
        conversation.title,
        conversation.createdById,
      ],
    );
  }

  /** In `em`'s transaction: links the conversation to the import unless it has one already; true when it did. */
  async linkConversation(em: EntityManager, importId: string, conversationId: string): Promise<boolean> {
    const updated = await em.execute<unknown[]>(
      'update chat_imports set conversation_id = ? where id = ? and conversation_id is null returning id',
      [conversationId, importId],
    );
    return updated.length > 0;
  }

  async findConversationId(importId: string): Promise<string> {
    const [current] = await this.em.execute<{ conversation_id: string }[]>(
      'select conversation_id from chat_imports where id = ?',
      [importId],
    );
    return current.conversation_id;
  }

  /** The highest `import_seq` stored in the conversation, -1 when none is. */
  async lastSeq(conversationId: string): Promise<number> {
    const [{ seq }] = await this.em.execute<{ seq: number }[]>(
      'select coalesce(max(import_seq), -1)::int as seq from chat_messages where conversation_id = ?',
      [conversationId],
    );
    return seq;
  }

  /** Every member of the organization with a display name: its id and the name trimmed and lower-cased. */
  memberDisplayNames(organizationId: string): Promise<{ id: string; name: string }[]> {
    return this.em.execute<{ id: string; name: string }[]>(
      `select u.id, lower(btrim(u.display_name)) as name from memberships m join users u on u.id = m.user_id
        where m.organization_id = ? and u.display_name is not null and btrim(u.display_name) <> ''`,
      [organizationId],
    );
  }

  /** In `em`'s transaction: one multi-row INSERT (bound parameters, through knex); rows already stored are skipped. */
  async insertMessages(em: EntityManager, rows: ImportedMessageRow[]): Promise<void> {
    const tuple = `(${INSERT_COLUMNS.map(() => '?').join(',')})`;
    const sql =
      `insert into chat_messages (${INSERT_COLUMNS.join(',')}) values ${rows.map(() => tuple).join(',')} ` +
      'on conflict do nothing';
    const bindings = rows.flatMap((r) => [
      r.id,
      r.conversationId,
      r.authorId,
      r.authorName,
      r.body,
      r.kind,
      r.media ? JSON.stringify(r.media) : null,
      r.createdAt,
      r.updatedAt,
      r.deletedAt,
      r.editedAt,
      r.replyToId,
      r.importSeq,
    ]);
    const trx = em.getTransactionContext<Knex.Transaction>()!;
    await em
      .getKnex()
      .raw(sql, bindings as Knex.RawBinding[])
      .transacting(trx);
  }

  /** In `em`'s transaction: how many messages of the export the import went through. */
  async setProcessed(em: EntityManager, importId: string, processed: number): Promise<void> {
    await em.execute('update chat_imports set processed = ?, updated_at = now() where id = ?', [processed, importId]);
  }

  /** In `em`'s transaction: a running import becomes `completed`; false when it was not running. */
  async markCompleted(
    em: EntityManager,
    importId: string,
    processed: number,
    dateOrder: ChatImportDateOrder | null,
  ): Promise<boolean> {
    const updated = await em.execute<unknown[]>(
      `update chat_imports set status = 'completed', processed = ?, total = ?, date_order = ?::jsonb, path = null,
              finished_at = now(), updated_at = now() where id = ? and status = 'running' returning id`,
      [processed, processed, dateOrder ? JSON.stringify(dateOrder) : null, importId],
    );
    return updated.length > 0;
  }

  /** In `em`'s transaction: the conversation's time is its newest message's, its title `subject` when given. */
  async finishConversation(em: EntityManager, conversationId: string, subject: string | null): Promise<void> {
    await em.execute(
      `update chat_conversations set updated_at = now(), title = coalesce(?, title),
              last_message_at = (select max(created_at) from chat_messages where conversation_id = ?)
        where id = ?`,
      [subject, conversationId, conversationId],
    );
  }

  /**
   * In `em`'s transaction: the importer joins the conversation as its admin, having read up to its newest message
   * (the history is their own: nothing of it counts as unread). Nothing when they are a member already, or when
   * the conversation holds no message.
   */
  async addImporter(em: EntityManager, memberId: string, conversationId: string, userId: string): Promise<void> {
    await em.execute(
      `insert into chat_conversation_members
         (id, created_at, updated_at, conversation_id, user_id, role, last_read_message_id, last_read_at, muted,
          archived, joined_at)
       select ?, now(), now(), ?, ?, 'admin', m.id, m.created_at, false, false, now()
         from chat_messages m where m.conversation_id = ? order by m.created_at desc, m.id desc limit 1
       on conflict do nothing`,
      [memberId, conversationId, userId, conversationId],
    );
  }
}
