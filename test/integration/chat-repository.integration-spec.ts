import { MikroORM } from '@mikro-orm/postgresql';
import { ChatAttachment } from 'src/modules/chat/chat-attachment.entity';
import { ChatMessage } from 'src/modules/chat/chat-message.entity';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import { ConversationMember, ConversationRole } from 'src/modules/chat/conversation-member.entity';
import { Conversation, ConversationType } from 'src/modules/chat/conversation.entity';
import type { Organization } from 'src/modules/organizations/organization.entity';
import type { User } from 'src/modules/users/user.entity';
import { createOrganization, createTeam, createUser } from '../support/db-fixtures';
import { openTestOrm } from '../support/orm';

/** ChatRepository's SQL against the real PostgreSQL that global-setup migrated (no application). */
describe('ChatRepository', () => {
  let orm: MikroORM;

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(async () => {
    await orm?.close(true);
  });

  const repo = (): ChatRepository => new ChatRepository(orm.em.fork());

  /** A conversation of `org` whose members are `members`, with messages `[author, body, at]` in that order. */
  async function conversation(
    org: Organization,
    members: User[],
    messages: [User | null, string, Date][] = [],
    type = ConversationType.Group,
  ): Promise<{ id: string; memberIds: string[]; messageIds: string[] }> {
    const em = orm.em.fork();
    const c = em.create(Conversation, { organization: org.id, type, title: 'c', createdBy: members[0]?.id });
    const rows = members.map((user) =>
      em.create(ConversationMember, { conversation: c, user: user.id, role: ConversationRole.Member }),
    );
    const sent = messages.map(([author, body, at]) =>
      em.create(ChatMessage, { conversation: c, author: author?.id ?? null, body, createdAt: at }),
    );
    if (sent.length > 0) {
      c.lastMessageAt = messages[messages.length - 1][2];
    }
    await em.flush();
    return { id: c.id, memberIds: rows.map((r) => r.id), messageIds: sent.map((m) => m.id) };
  }

  async function readUpTo(memberId: string, messageId: string, at: Date): Promise<void> {
    await orm.em
      .fork()
      .nativeUpdate(ConversationMember, { id: memberId }, { lastReadMessageId: messageId, lastReadAt: at });
  }

  const at = (minute: number): Date => new Date(Date.UTC(2026, 0, 1, 0, minute));

  const team = (size: number): Promise<{ org: Organization; users: User[] }> => createTeam(orm.em.fork(), size);

  it('pages a member’s conversations by latest activity, with unread count and last message', async () => {
    const { org, users } = await team(2);
    const [me, other] = users;
    const quiet = await conversation(org, [me, other]);
    const busy = await conversation(
      org,
      [me, other],
      [
        [other, 'one', at(1)],
        [other, 'two', at(2)],
        [me, 'mine', at(3)],
      ],
    );
    const archived = await conversation(org, [me]);
    await orm.em.fork().nativeUpdate(ConversationMember, { id: archived.memberIds[0] }, { archived: true });
    const foreign = await team(1);
    await conversation(foreign.org, [me]);

    const first = await repo().findConversationPage({
      userId: me.id,
      organizationId: org.id,
      archived: false,
      limit: 1,
    });
    expect(first.map((r) => r.id)).toEqual([quiet.id, busy.id]); // created now, after the messages of 2026-01-01
    const row = first.find((r) => r.id === busy.id)!;
    expect(row).toMatchObject({ unread: 2, last_message_id: busy.messageIds[2], muted: false, archived: false });

    const next = await repo().findConversationPage({
      userId: me.id,
      organizationId: org.id,
      archived: false,
      after: { at: new Date(first[0].sort_at), id: first[0].id },
      limit: 1,
    });
    expect(next.map((r) => r.id)).toEqual([busy.id]);

    const onlyArchived = await repo().findConversationPage({
      userId: me.id,
      organizationId: org.id,
      archived: true,
      limit: 10,
    });
    expect(onlyArchived.map((r) => r.id)).toEqual([archived.id]);
  });

  it('counts unread messages: others’ live messages after the read position', async () => {
    const { org, users } = await team(2);
    const [me, other] = users;
    const c = await conversation(
      org,
      [me, other],
      [
        [other, 'a', at(1)],
        [other, 'b', at(2)],
        [me, 'c', at(3)],
        [other, 'd', at(4)],
      ],
    );
    await orm.em.fork().nativeUpdate(ChatMessage, { id: c.messageIds[3] }, { deletedAt: new Date() });
    expect(await repo().countUnreadOfMember(c.memberIds[0])).toBe(2);
    expect(await repo().countUnreadByConversation(me.id, org.id)).toEqual([{ conversation_id: c.id, count: 2 }]);

    await readUpTo(c.memberIds[0], c.messageIds[0], at(1));
    expect(await repo().countUnreadOfMember(c.memberIds[0])).toBe(1);
    expect(await repo().countUnreadOfMember(c.memberIds[1])).toBe(1); // the other member: my "c" only
    await readUpTo(c.memberIds[0], c.messageIds[1], at(2));
    expect(await repo().countUnreadByConversation(me.id, org.id)).toEqual([]);
  });

  it('moves every read position of a member in an organization to its newest message, where ahead', async () => {
    const { org, users } = await team(2);
    const [me, other] = users;
    const behind = await conversation(
      org,
      [me, other],
      [
        [other, 'a', at(1)],
        [other, 'b', at(2)],
      ],
    );
    const current = await conversation(org, [me, other], [[other, 'x', at(5)]]);
    await readUpTo(current.memberIds[0], current.messageIds[0], at(5));
    await conversation(org, [me, other]); // no messages: nothing to move to

    const moved = await repo().markAllRead(me.id, org.id);
    expect(moved).toEqual([{ conversation_id: behind.id, message_id: behind.messageIds[1] }]);
    const row = await orm.em.fork().findOneOrFail(ConversationMember, behind.memberIds[0]);
    expect(row).toMatchObject({ lastReadMessageId: behind.messageIds[1], lastReadAt: at(2) });
    expect(await repo().markAllRead(me.id, org.id)).toEqual([]);
    expect(await repo().markAllRead(other.id, org.id)).toHaveLength(2);
  });

  it('searches the live messages of the member’s conversations, optionally in one', async () => {
    const { org, users } = await team(2);
    const [me, other] = users;
    const word = `zebra${Date.now()}`;
    const mine = await conversation(
      org,
      [me, other],
      [
        [other, `${word} ${word} crossing`, at(1)],
        [other, `a ${word}`, at(2)],
        [other, 'unrelated', at(3)],
        [other, `${word} gone`, at(4)],
      ],
    );
    await orm.em.fork().nativeUpdate(ChatMessage, { id: mine.messageIds[3] }, { deletedAt: new Date() });
    const second = await conversation(org, [me], [[me, word, at(1)]]);
    await conversation(org, [other], [[other, word, at(1)]]); // not mine

    const hits = await repo().searchMessages({ userId: me.id, organizationId: org.id, q: word, limit: 10 });
    expect(hits.map((h) => h.id).sort()).toEqual([mine.messageIds[0], mine.messageIds[1], second.messageIds[0]].sort());
    expect(hits.every((h) => typeof h.rank === 'number' && h.rank > 0)).toBe(true);

    const inOne = await repo().searchMessages({
      userId: me.id,
      organizationId: org.id,
      q: word,
      conversationId: second.id,
      limit: 10,
    });
    expect(inOne.map((h) => h.id)).toEqual([second.messageIds[0]]);
    expect(await repo().searchMessages({ userId: me.id, organizationId: org.id, q: word, limit: 1 })).toHaveLength(1);
  });

  it('removes a user from the conversations of one organization, in the caller’s transaction', async () => {
    const { org, users } = await team(2);
    const [me, other] = users;
    const a = await conversation(org, [me, other]);
    const b = await conversation(org, [me]);
    const foreign = await team(1);
    const elsewhere = await conversation(foreign.org, [me]);

    await expect(
      orm.em.fork().transactional(async (em) => {
        expect((await repo().removeFromOrganizationConversations(em, org.id, me.id)).sort()).toEqual(
          [a.id, b.id].sort(),
        );
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await repo().conversationIdsOf(me.id)).sort()).toEqual([a.id, b.id, elsewhere.id].sort());

    const removed = await orm.em
      .fork()
      .transactional((em) => repo().removeFromOrganizationConversations(em, org.id, me.id));
    expect(removed.sort()).toEqual([a.id, b.id].sort());
    expect(await repo().conversationIdsOf(me.id)).toEqual([elsewhere.id]);
    expect(await repo().isMember(other.id, a.id)).toBe(true);
  });

  it('answers the gateway: memberships, and who shares a conversation with whom', async () => {
    const { org, users } = await team(4);
    const [me, friend, stranger, loner] = users;
    const c = await conversation(org, [me, friend]);
    await conversation(org, [stranger]);

    expect(await repo().conversationIdsOf(me.id)).toEqual([c.id]);
    expect(await repo().conversationIdsOf(loner.id)).toEqual([]);
    expect(await repo().isMember(me.id, c.id)).toBe(true);
    expect(await repo().isMember(stranger.id, c.id)).toBe(false);
    expect((await repo().usersSharingAConversationWith(me.id, [friend.id, stranger.id, me.id])).sort()).toEqual(
      [friend.id, me.id].sort(),
    );
    expect(await repo().usersSharingAConversationWith(loner.id, [me.id, loner.id])).toEqual([]);
    expect(await repo().usersSharingAConversationWith(me.id, [])).toEqual([]);
  });

  it('finds mentioned members by username and names an author, inside a transaction', async () => {
    const em = orm.em.fork();
    const named = await createUser(em, { displayName: 'Ana Example' });
    const plain = await createUser(em);
    const outsider = await createUser(em);
    const org = await createOrganization(em, [named, plain, outsider]);
    const c = await conversation(org, [named, plain]);

    await orm.em.fork().transactional(async (trx) => {
      const found = await repo().findMembersByUsername(trx, c.id, [plain.username, outsider.username, 'nobody']);
      expect(found).toEqual([{ user_id: plain.id, username: plain.username }]);
      expect(await repo().findMembersByUsername(trx, c.id, [])).toEqual([]);
      expect(await repo().findAuthorName(trx, named.id)).toEqual({
        username: named.username,
        display_name: 'Ana Example',
      });
      expect(await repo().findAuthorName(trx, plain.id)).toEqual({ username: plain.username, display_name: null });
      expect(await repo().findAuthorName(trx, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
    });
  });

  it('finds a message only for a member of its conversation, with author and organization', async () => {
    const { org, users } = await team(3);
    const [me, author, outsider] = users;
    const c = await conversation(
      org,
      [me, author],
      [
        [author, 'look', at(1)],
        [null, 'system', at(2)],
      ],
    );
    const edited = new Date(Date.UTC(2026, 0, 1, 1));
    await orm.em.fork().nativeUpdate(ChatMessage, { id: c.messageIds[1] }, { editedAt: edited, deletedAt: edited });

    expect(await repo().findVisibleMessage(me.id, c.messageIds[0])).toEqual({
      id: c.messageIds[0],
      conversationId: c.id,
      organizationId: org.id,
      authorId: author.id,
      authorUsername: author.username,
      body: 'look',
      createdAt: at(1),
      editedAt: null,
      deletedAt: null,
    });
    expect(await repo().findVisibleMessage(me.id, c.messageIds[1])).toMatchObject({
      authorId: null,
      authorUsername: null,
      editedAt: edited,
      deletedAt: edited,
    });
    expect(await repo().findVisibleMessage(outsider.id, c.messageIds[0])).toBeNull();
    expect(await repo().findVisibleMessage(me.id, '00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('claims only the uploader’s pending uploads of the conversation, in the order given, in the transaction', async () => {
    const { org, users } = await team(2);
    const [me, other] = users;
    const c = await conversation(
      org,
      [me, other],
      [
        [me, 'with files', at(1)],
        [me, 'earlier', at(0)],
      ],
    );
    const elsewhere = await conversation(org, [me]);
    const em = orm.em.fork();
    const upload = (uploader: User, conversationId: string, messageId: string | null = null) =>
      em.create(ChatAttachment, {
        conversation: conversationId,
        uploader: uploader.id,
        message: messageId,
        filename: 'f.txt',
        contentType: 'text/plain',
        size: 1,
        sha256: 'a'.repeat(64),
      });
    const [a, b] = [upload(me, c.id), upload(me, c.id)];
    const theirs = upload(other, c.id);
    const foreign = upload(me, elsewhere.id);
    const sent = upload(me, c.id, c.messageIds[1]);
    await em.flush();
    const claim = (ids: string[]) => ({ conversationId: c.id, uploaderId: me.id, messageId: c.messageIds[0], ids });

    await orm.em.fork().transactional(async (trx) => {
      const refused = await repo().claimPendingAttachments(trx, claim([theirs.id, foreign.id, sent.id]));
      expect(refused).toEqual([]);
      expect((await repo().claimPendingAttachments(trx, claim([b.id, a.id, theirs.id]))).sort()).toEqual(
        [a.id, b.id].sort(),
      );
    });
    const rows = await orm.em
      .fork()
      .find(ChatAttachment, { message: c.messageIds[0] }, { orderBy: { position: 'asc' } });
    expect(rows.map((r) => [r.id, r.position])).toEqual([
      [b.id, 1],
      [a.id, 2],
    ]);
    expect(await repo().claimPendingAttachments(orm.em.fork(), claim([a.id]))).toEqual([]); // not pending any more
  });
});
