import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { ChatMessage } from './chat-message.entity';
import { ConversationMember } from './conversation-member.entity';
import { ConversationType } from './conversation.entity';

/** The unread condition for messages `m` against a member row `cm` (others' messages after the read position). */
const UNREAD_SQL = `m.deleted_at is null and m.author_id is distinct from cm.user_id
  and (cm.last_read_at is null or (m.created_at, m.id) > (cm.last_read_at, cm.last_read_message_id))`;

/** One row of a caller's conversation list (`findConversationPage`). */
export interface ConversationListRow {
  id: string;
  type: ConversationType;
  title: string | null;
  last_message_at: Date | null;
  sort_at: Date;
  muted: boolean;
  archived: boolean;
  unread: number;
  last_message_id: string | null;
}

/** A chat message as a member of its conversation sees it (`findVisibleMessage`). */
export interface VisibleChatMessage {
  id: string;
  conversationId: string;
  organizationId: string;
  authorId: string | null;
  authorUsername: string | null;
  /** '' once deleted. */
  body: string;
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
}

/**
 * The chat's SQL over conversations, members and messages. Queries only: it never flushes and never throws domain
 * errors. Methods that take an `em` run in that (transactional) manager; the others in the request's manager.
 */
@Injectable()
export class ChatRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * One page (plus one row, to tell whether another follows) of a user's conversations in an organization, newest
   * activity first: keyset over (coalesce(lastMessageAt, createdAt) desc, id desc), with unread count and last message.
   */
  findConversationPage(filter: {
    userId: string;
    organizationId: string;
    archived: boolean;
    after?: { at: Date; id: string };
    limit: number;
  }): Promise<ConversationListRow[]> {
    const params: unknown[] = [filter.userId, filter.organizationId, filter.archived];
    let cursorSql = '';
    if (filter.after) {
      cursorSql = 'and (coalesce(c.last_message_at, c.created_at), c.id) < (?, ?)';
      params.push(filter.after.at, filter.after.id);
    }
    params.push(filter.limit + 1);
    return this.em.getConnection().execute<ConversationListRow[]>(
      `select c.id, c.type, c.title, c.last_message_at, coalesce(c.last_message_at, c.created_at) as sort_at,
              cm.muted, cm.archived,
              (select count(*)::int from chat_messages m where m.conversation_id = c.id and ${UNREAD_SQL}) as unread,
              (select m.id from chat_messages m where m.conversation_id = c.id
                order by m.created_at desc, m.id desc limit 1) as last_message_id
         from chat_conversation_members cm
         join chat_conversations c on c.id = cm.conversation_id
        where cm.user_id = ? and c.organization_id = ? and cm.archived = ? ${cursorSql}
        order by sort_at desc, c.id desc
        limit ?`,
      params,
    );
  }

  /** How many messages of its conversation the member row `memberId` has not read. */
  async countUnreadOfMember(memberId: string): Promise<number> {
    const [{ count }] = await this.em.getConnection().execute<{ count: number }[]>(
      `select count(*)::int as count from chat_messages m, chat_conversation_members cm
          where cm.id = ? and m.conversation_id = cm.conversation_id and ${UNREAD_SQL}`,
      [memberId],
    );
    return count;
  }

  /** Unread messages per conversation of a user in an organization (only conversations with some), by id. */
  countUnreadByConversation(
    userId: string,
    organizationId: string,
  ): Promise<{ conversation_id: string; count: number }[]> {
    return this.em.getConnection().execute<{ conversation_id: string; count: number }[]>(
      `select cm.conversation_id, count(*)::int as count
         from chat_conversation_members cm
         join chat_conversations c on c.id = cm.conversation_id
         join chat_messages m on m.conversation_id = cm.conversation_id
        where cm.user_id = ? and c.organization_id = ? and ${UNREAD_SQL}
        group by cm.conversation_id
        order by cm.conversation_id`,
      [userId, organizationId],
    );
  }

  /**
   * Moves the read position of every conversation of a user in an organization to its newest message, where that is
   * ahead; returns the conversations moved and the message each now stands at.
   */
  markAllRead(userId: string, organizationId: string): Promise<{ conversation_id: string; message_id: string }[]> {
    return this.em.getConnection().execute<{ conversation_id: string; message_id: string }[]>(
      `with latest as (
         select cm.id as member_id, lm.id, lm.created_at
           from chat_conversation_members cm
           join chat_conversations c on c.id = cm.conversation_id
           cross join lateral (
             select m.id, m.created_at from chat_messages m where m.conversation_id = cm.conversation_id
              order by m.created_at desc, m.id desc limit 1
           ) lm
          where cm.user_id = ? and c.organization_id = ?
            and (cm.last_read_at is null or (lm.created_at, lm.id) > (cm.last_read_at, cm.last_read_message_id))
       )
       update chat_conversation_members cm
          set last_read_message_id = latest.id, last_read_at = latest.created_at, updated_at = now()
         from latest where cm.id = latest.member_id
       returning cm.conversation_id, latest.id as message_id`,
      [userId, organizationId],
    );
  }

  /**
   * Full-text search (websearch syntax, 'simple' configuration) over the live messages of the conversations a user
   * is a member of in an organization, best rank first.
   */
  searchMessages(filter: {
    userId: string;
    organizationId: string;
    q: string;
    conversationId?: string;
    limit: number;
  }): Promise<{ id: string; rank: number }[]> {
    const params: unknown[] = [filter.q, filter.userId, filter.organizationId, filter.q];
    let conversationSql = '';
    if (filter.conversationId) {
      conversationSql = 'and m.conversation_id = ?';
      params.push(filter.conversationId);
    }
    params.push(filter.limit);
    return this.em.getConnection().execute<{ id: string; rank: number }[]>(
      `select m.id, ts_rank_cd(m.search, websearch_to_tsquery('simple', ?))::float8 as rank
         from chat_conversation_members cm
         join chat_conversations c on c.id = cm.conversation_id
         join chat_messages m on m.conversation_id = cm.conversation_id
        where cm.user_id = ? and c.organization_id = ? and m.deleted_at is null
          and m.search @@ websearch_to_tsquery('simple', ?) ${conversationSql}
        order by rank desc, m.created_at desc, m.id
        limit ?`,
      params,
    );
  }

  /** In `em`'s transaction: deletes a user's memberships of an organization's conversations; returns those ids. */
  async removeFromOrganizationConversations(
    em: EntityManager,
    organizationId: string,
    userId: string,
  ): Promise<string[]> {
    const rows = await em.getConnection().execute<{ conversation_id: string }[]>(
      `delete from chat_conversation_members cm using chat_conversations c
        where c.id = cm.conversation_id and c.organization_id = ? and cm.user_id = ?
        returning cm.conversation_id`,
      [organizationId, userId],
      'all',
      em.getTransactionContext(),
    );
    return rows.map((r) => r.conversation_id);
  }

  /** Ids of every conversation the user is a member of (all organizations). */
  async conversationIdsOf(userId: string): Promise<string[]> {
    const rows = await this.em
      .getConnection()
      .execute<{ conversation_id: string }[]>(
        'select conversation_id from chat_conversation_members where user_id = ?',
        [userId],
      );
    return rows.map((r) => r.conversation_id);
  }

  /** Those of `userIds` who share at least one conversation with `userId` (`userId` itself only if it has one). */
  async usersSharingAConversationWith(userId: string, userIds: string[]): Promise<string[]> {
    const rows = await this.em.getConnection().execute<{ user_id: string }[]>(
      `select distinct other.user_id from chat_conversation_members mine
         join chat_conversation_members other on other.conversation_id = mine.conversation_id
        where mine.user_id = ? and other.user_id = any(?::uuid[])`,
      [userId, `{${userIds.join(',')}}`],
    );
    return rows.map((r) => r.user_id);
  }

  async isMember(userId: string, conversationId: string): Promise<boolean> {
    const rows = await this.em
      .getConnection()
      .execute<unknown[]>('select 1 from chat_conversation_members where user_id = ? and conversation_id = ?', [
        userId,
        conversationId,
      ]);
    return rows.length > 0;
  }

  /** In `em`'s transaction: the members of a conversation whose username is one of `usernames`. */
  findMembersByUsername(
    em: EntityManager,
    conversationId: string,
    usernames: string[],
  ): Promise<{ user_id: string; username: string }[]> {
    return em.getConnection().execute<{ user_id: string; username: string }[]>(
      `select cm.user_id, u.username from chat_conversation_members cm join users u on u.id = cm.user_id
        where cm.conversation_id = ? and u.username = any(?::text[])`,
      [conversationId, `{${usernames.join(',')}}`],
      'all',
      em.getTransactionContext(),
    );
  }

  /** In `em`'s transaction: how a user is named (undefined for no such user). */
  async findAuthorName(
    em: EntityManager,
    userId: string,
  ): Promise<{ username: string; display_name: string | null } | undefined> {
    const [author] = await em
      .getConnection()
      .execute<{ username: string; display_name: string | null }[]>(
        'select username, display_name from users where id = ?',
        [userId],
        'all',
        em.getTransactionContext(),
      );
    return author;
  }

  /** A message (with its author and conversation) of a conversation `userId` is a member of; null otherwise. */
  async findVisibleMessage(userId: string, messageId: string): Promise<VisibleChatMessage | null> {
    const message = await this.em.findOne(ChatMessage, { id: messageId }, { populate: ['author', 'conversation'] });
    const member =
      message && (await this.em.count(ConversationMember, { conversation: message.conversation, user: userId }));
    if (!message || !member) {
      return null;
    }
    return {
      id: message.id,
      conversationId: message.conversation.id,
      organizationId: message.conversation.organization.id,
      authorId: message.author?.id ?? null,
      authorUsername: message.author?.username ?? null,
      body: message.body,
      createdAt: message.createdAt,
      editedAt: message.editedAt ?? null,
      deletedAt: message.deletedAt ?? null,
    };
  }

  /**
   * In `em`'s transaction: attaches those of `ids` that are the uploader's pending uploads (no message yet) to this
   * conversation to the message, in the order of `ids`; returns the ids it attached.
   */
  async claimPendingAttachments(
    em: EntityManager,
    claim: { conversationId: string; uploaderId: string; messageId: string; ids: string[] },
  ): Promise<string[]> {
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
    return claimed.map((r) => r.id);
  }
}
