import { MikroORM } from '@mikro-orm/postgresql';
import { ChatMessage } from 'src/modules/chat/chat-message.entity';
import { ConversationMember, ConversationRole } from 'src/modules/chat/conversation-member.entity';
import { Conversation, ConversationType } from 'src/modules/chat/conversation.entity';
import { ChatExportRepository } from 'src/modules/chat/import/chat-export.repository';
import { ChatImport, ChatImportPlatform, ChatImportStatus } from 'src/modules/chat/import/chat-import.entity';
import { createOrganization, createUser } from '../support/db-fixtures';
import { openTestOrm } from '../support/orm';

/** ChatExportRepository's SQL against the real PostgreSQL that global-setup migrated (no application). */
describe('ChatExportRepository', () => {
  let orm: MikroORM;

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(async () => {
    await orm?.close(true);
  });

  const repo = (): ChatExportRepository => new ChatExportRepository(orm.em.fork());

  it('finds a conversation of the member in the organization, with the platform it was imported from', async () => {
    const em = orm.em.fork();
    const me = await createUser(em);
    const outsider = await createUser(em);
    const org = await createOrganization(em, [me, outsider]);
    const other = await createOrganization(em, [me]);
    const plain = em.create(Conversation, { organization: org.id, type: ConversationType.Group, title: 'Plain' });
    const imported = em.create(Conversation, { organization: org.id, type: ConversationType.Imported, title: null });
    em.create(ConversationMember, { conversation: plain, user: me.id, role: ConversationRole.Member });
    em.create(ConversationMember, { conversation: imported, user: me.id, role: ConversationRole.Admin });
    em.create(ChatImport, {
      organization: org.id,
      user: me.id,
      platform: ChatImportPlatform.Telegram,
      status: ChatImportStatus.Completed,
      filename: 'result.json',
      size: '1',
      sha256: 'b'.repeat(64),
      conversation: imported,
      quotaMessages: 0,
      quotaImport: false,
    });
    await em.flush();

    expect(await repo().findConversation(me.id, org.id, plain.id)).toMatchObject({
      id: plain.id,
      type: 'group',
      title: 'Plain',
      platform: null,
    });
    expect(await repo().findConversation(me.id, org.id, imported.id)).toMatchObject({
      type: 'imported',
      title: null,
      platform: 'telegram',
    });
    expect(await repo().findConversation(outsider.id, org.id, plain.id)).toBeUndefined();
    expect(await repo().findConversation(me.id, other.id, plain.id)).toBeUndefined();
  });

  it('pages the messages oldest first on (created_at, id), keeping microseconds in the cursor', async () => {
    const em = orm.em.fork();
    const ana = await createUser(em, { displayName: 'Ana' });
    const bare = await createUser(em);
    const org = await createOrganization(em, [ana, bare]);
    const c = em.create(Conversation, { organization: org.id, type: ConversationType.Group, title: 'c' });
    await em.flush();
    // Three messages in the same millisecond (distinct microseconds), then one sharing a timestamp with another.
    const ids: string[] = [];
    for (const [i, at] of [
      '2026-01-01 00:00:00.000101',
      '2026-01-01 00:00:00.000102',
      '2026-01-01 00:00:00.000103',
    ].entries()) {
      const [row] = await em.execute<{ id: string }[]>(
        `insert into chat_messages (id, created_at, updated_at, conversation_id, author_id, body)
         values (gen_random_uuid(), ?::timestamptz, now(), ?, ?, ?) returning id`,
        [`${at}+00`, c.id, i === 0 ? ana.id : bare.id, `m${i}`],
      );
      ids.push(row.id);
    }
    const imported = em.create(ChatMessage, {
      conversation: c,
      author: null,
      authorName: 'From the export',
      body: 'old',
      createdAt: new Date('2025-12-31T00:00:00Z'),
      media: { filename: 'a.jpg' },
      deletedAt: new Date('2025-12-31T00:00:00Z'),
    });
    await em.flush();

    const first = await repo().findPage(c.id, null, 2);
    expect(first.map((r) => r.id)).toEqual([imported.id, ids[0]]);
    expect(first[0]).toMatchObject({
      author_id: null,
      author_name: 'From the export',
      user_name: null,
      body: 'old',
      media: { filename: 'a.jpg' },
      reply_to_id: null,
    });
    expect(first[0].deleted_at).not.toBeNull();
    expect(first[1]).toMatchObject({ author_id: ana.id, user_name: 'Ana', body: 'm0' });
    expect(first[1].cursor_at).toContain('.000101');

    const second = await repo().findPage(c.id, { at: first[1].cursor_at, id: first[1].id }, 2);
    expect(second.map((r) => r.id)).toEqual([ids[1], ids[2]]);
    expect(second[0].user_name).toBe(bare.username);
    const last = await repo().findPage(c.id, { at: second[1].cursor_at, id: second[1].id }, 2);
    expect(last).toEqual([]);
  });
});
