import { MikroORM } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { ChatMessage } from 'src/modules/chat/chat-message.entity';
import { ConversationMember, ConversationRole } from 'src/modules/chat/conversation-member.entity';
import { Conversation, ConversationType } from 'src/modules/chat/conversation.entity';
import {
  ChatImport,
  ChatImportDateOrderSource,
  ChatImportPlatform,
  ChatImportStatus,
} from 'src/modules/chat/import/chat-import.entity';
import { ChatImportRepository, type ImportedMessageRow } from 'src/modules/chat/import/chat-import.repository';
import type { Organization } from 'src/modules/organizations/organization.entity';
import type { User } from 'src/modules/users/user.entity';
import { createOrganization, createUser } from '../support/db-fixtures';
import { openTestOrm } from '../support/orm';

/** ChatImportRepository's SQL against the real PostgreSQL that global-setup migrated (no application). */
describe('ChatImportRepository', () => {
  let orm: MikroORM;

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(async () => {
    await orm?.close(true);
  });

  const repo = (): ChatImportRepository => new ChatImportRepository(orm.em.fork());

  async function importOf(
    fields: Partial<Pick<ChatImport, 'status' | 'path' | 'quotaMessages' | 'quotaImport'>> = {},
  ): Promise<{ importId: string; org: Organization; user: User }> {
    const em = orm.em.fork();
    const user = await createUser(em);
    const org = await createOrganization(em, [user]);
    const row = em.create(ChatImport, {
      organization: org,
      user,
      platform: ChatImportPlatform.WhatsApp,
      filename: 'chat.txt',
      size: '10',
      sha256: 'a'.repeat(64),
      status: ChatImportStatus.Running,
      path: 'chat-imports/x',
      quotaMessages: fields.quotaMessages ?? 0,
      quotaImport: fields.quotaImport ?? false,
      ...fields,
    });
    await em.flush();
    return { importId: row.id, org, user };
  }

  const message = (
    conversationId: string,
    seq: number,
    fields: Partial<ImportedMessageRow> = {},
  ): ImportedMessageRow => ({
    id: randomUUID(),
    conversationId,
    authorId: null,
    authorName: 'Ana',
    body: `message ${seq}`,
    kind: 'text',
    media: null,
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, seq)),
    updatedAt: new Date(),
    deletedAt: null,
    editedAt: null,
    replyToId: null,
    importSeq: seq,
    ...fields,
  });

  /** An imported conversation linked to the import, inserted and linked as the job does. */
  async function linkedConversation(importId: string, org: Organization, user: User): Promise<string> {
    const conversationId = randomUUID();
    const linked = await orm.em.fork().transactional(async (em) => {
      await repo().insertConversation(em, {
        id: conversationId,
        organizationId: org.id,
        title: 'Trip',
        createdById: user.id,
      });
      return repo().linkConversation(em, importId, conversationId);
    });
    expect(linked).toBe(true);
    return conversationId;
  }

  it('creates the imported conversation once: a second link loses, and finds the first', async () => {
    const { importId, org, user } = await importOf();
    const conversationId = await linkedConversation(importId, org, user);
    const conversation = await orm.em.fork().findOneOrFail(Conversation, conversationId);
    expect(conversation).toMatchObject({ type: ConversationType.Imported, title: 'Trip' });
    expect(await orm.em.fork().count(ConversationMember, { conversation: conversationId })).toBe(0);

    const other = randomUUID();
    const second = await orm.em.fork().transactional(async (em) => {
      await repo().insertConversation(em, { id: other, organizationId: org.id, title: 'Again', createdById: user.id });
      return repo().linkConversation(em, importId, other);
    });
    expect(second).toBe(false);
    expect(await repo().findConversationId(importId)).toBe(conversationId);
  });

  it('inserts batches of messages, skipping stored ones, and records progress in the same transaction', async () => {
    const { importId, org, user } = await importOf();
    const conversationId = await linkedConversation(importId, org, user);
    expect(await repo().lastSeq(conversationId)).toBe(-1);

    const first = [0, 1, 2].map((seq) => message(conversationId, seq));
    first[1] = { ...first[1], kind: 'media', media: { filename: 'a.jpg' }, authorId: user.id };
    first[2] = { ...first[2], replyToId: first[0].id, editedAt: new Date(Date.UTC(2025, 0, 2)) };
    await orm.em.fork().transactional(async (em) => {
      await repo().insertMessages(em, first);
      await repo().setProcessed(em, importId, 3);
    });
    expect(await repo().lastSeq(conversationId)).toBe(2);
    const stored = await orm.em
      .fork()
      .find(ChatMessage, { conversation: conversationId }, { orderBy: { importSeq: 'asc' } });
    expect(stored.map((m) => m.id)).toEqual(first.map((m) => m.id));
    expect(stored[1]).toMatchObject({ kind: 'media', media: { filename: 'a.jpg' }, authorName: 'Ana' });
    expect(stored[1].author?.id).toBe(user.id);
    expect(stored[2].replyTo?.id).toBe(first[0].id);
    expect((await orm.em.fork().findOneOrFail(ChatImport, importId)).processed).toBe(3);

    // A retried batch (same import_seq) stores nothing twice; a rolled back one stores nothing.
    await orm.em.fork().transactional(async (em) => {
      await repo().insertMessages(em, [message(conversationId, 2), message(conversationId, 3)]);
    });
    expect(await orm.em.fork().count(ChatMessage, { conversation: conversationId })).toBe(4);
    await expect(
      orm.em.fork().transactional(async (em) => {
        await repo().insertMessages(em, [message(conversationId, 4)]);
        await repo().setProcessed(em, importId, 5);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await repo().lastSeq(conversationId)).toBe(3);
    expect((await orm.em.fork().findOneOrFail(ChatImport, importId)).processed).toBe(3);
  });

  it('maps the organization’s members by trimmed, lower-cased display name', async () => {
    const em = orm.em.fork();
    const ana = await createUser(em, { displayName: '  Ana Example ' });
    const blank = await createUser(em, { displayName: '   ' });
    const nameless = await createUser(em);
    const org = await createOrganization(em, [ana, blank, nameless]);
    const outsider = await createUser(em, { displayName: 'Outsider' });
    await createOrganization(em, [outsider]);

    expect(await repo().memberDisplayNames(org.id)).toEqual([{ id: ana.id, name: 'ana example' }]);
  });

  it('completes a running import: conversation time and title, the importer a member who read everything', async () => {
    const { importId, org, user } = await importOf();
    const conversationId = await linkedConversation(importId, org, user);
    const rows = [0, 1].map((seq) => message(conversationId, seq));
    const dateOrder = { order: 'DMY' as const, decidedBy: ChatImportDateOrderSource.Content };

    const done = await orm.em.fork().transactional(async (em) => {
      await repo().insertMessages(em, rows);
      if (!(await repo().markCompleted(em, importId, 2, dateOrder))) {
        return false;
      }
      await repo().finishConversation(em, conversationId, 'Trip 2025');
      await repo().addImporter(em, randomUUID(), conversationId, user.id);
      await repo().addImporter(em, randomUUID(), conversationId, user.id); // already a member: nothing
      return true;
    });
    expect(done).toBe(true);
    const row = await orm.em.fork().findOneOrFail(ChatImport, importId);
    expect(row).toMatchObject({ status: ChatImportStatus.Completed, processed: 2, total: 2, path: null, dateOrder });
    expect(row.finishedAt).toBeInstanceOf(Date);
    const conversation = await orm.em.fork().findOneOrFail(Conversation, conversationId);
    expect(conversation).toMatchObject({ title: 'Trip 2025', lastMessageAt: rows[1].createdAt });
    const members = await orm.em.fork().find(ConversationMember, { conversation: conversationId });
    expect(members).toHaveLength(1);
    expect(members[0]).toMatchObject({
      role: ConversationRole.Admin,
      lastReadMessageId: rows[1].id,
      lastReadAt: rows[1].createdAt,
    });
    expect(members[0].user.id).toBe(user.id);

    await orm.em.fork().transactional(async (em) => {
      expect(await repo().markCompleted(em, importId, 2, null)).toBe(false); // not running any more
      await repo().finishConversation(em, conversationId, null); // keeps the title
    });
    expect((await orm.em.fork().findOneOrFail(Conversation, conversationId)).title).toBe('Trip 2025');
  });

  it('fails an import under a row lock: error recorded, conversation deleted with its messages', async () => {
    const { importId, org, user } = await importOf({ quotaMessages: 7, quotaImport: true });
    const conversationId = await linkedConversation(importId, org, user);
    await orm.em.fork().transactional((em) => repo().insertMessages(em, [message(conversationId, 0)]));
    expect(await repo().findStatus(importId)).toBe(ChatImportStatus.Running);

    await orm.em.fork().transactional(async (em) => {
      const locked = await repo().lockForFailure(em, importId);
      expect(locked).toEqual({
        user_id: user.id,
        conversation_id: conversationId,
        path: 'chat-imports/x',
        quota_messages: 7,
        quota_import: true,
        status: ChatImportStatus.Running,
      });
      // Another transaction cannot lock the row meanwhile.
      const other = orm.em.fork();
      await expect(
        other.transactional(async (trx) => {
          await trx.execute('set local lock_timeout = 100');
          return repo().lockForFailure(trx, importId);
        }),
      ).rejects.toThrow(/lock timeout/);
      await repo().markFailed(em, importId, { code: 'CHAT_IMPORT_PARSE_FAILED', message: 'bad line', line: 3 });
      await repo().deleteConversation(em, conversationId);
    });
    expect(await repo().findStatus(importId)).toBe(ChatImportStatus.Failed);
    const row = await orm.em.fork().findOneOrFail(ChatImport, importId);
    expect(row).toMatchObject({
      status: ChatImportStatus.Failed,
      error: { code: 'CHAT_IMPORT_PARSE_FAILED', message: 'bad line', line: 3 },
      path: null,
      conversation: null,
    });
    expect(await orm.em.fork().count(Conversation, { id: conversationId })).toBe(0);
    expect(await orm.em.fork().count(ChatMessage, { conversation: conversationId })).toBe(0);
    expect(await repo().findStatus(randomUUID())).toBeUndefined();
    await orm.em.fork().transactional(async (em) => {
      expect(await repo().lockForFailure(em, randomUUID())).toBeUndefined();
    });
  });
});
