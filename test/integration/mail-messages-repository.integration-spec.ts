import { MikroORM } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { SecretBox } from 'src/common/crypto/secret-box';
import { MailAccount, MailSecurity } from 'src/modules/mail/mail-account.entity';
import { MailFolder } from 'src/modules/mail/mail-folder.entity';
import { MailMessage } from 'src/modules/mail/mail-message.entity';
import { MailMessagesRepository } from 'src/modules/mail/mail-messages.repository';
import type { Organization } from 'src/modules/organizations/organization.entity';
import type { User } from 'src/modules/users/user.entity';
import { createOrganization, createUser } from '../support/db-fixtures';
import { openTestOrm } from '../support/orm';

/** MailMessagesRepository's SQL against the real PostgreSQL that global-setup migrated (no application). */
describe('MailMessagesRepository', () => {
  let orm: MikroORM;

  beforeAll(async () => {
    orm = await openTestOrm();
  });
  afterAll(async () => {
    await orm?.close(true);
  });

  const repo = (): MailMessagesRepository => new MailMessagesRepository(orm.em.fork());
  const at = (day: number): Date => new Date(Date.UTC(2026, 0, day));

  // Sealed like the app seals them: the suites share one database, and the key-rotation e2e re-seals every row.
  const box = new SecretBox(Buffer.from(process.env.ENCRYPTION_KEY!, 'base64'));

  async function account(org: Organization, user: User): Promise<{ accountId: string; folderIds: string[] }> {
    const em = orm.em.fork();
    const created = em.create(MailAccount, {
      organization: org.id,
      user: user.id,
      email: `${randomUUID().slice(0, 8)}@example.com`,
      imapHost: 'imap.example.com',
      imapPort: 993,
      imapSecurity: MailSecurity.Tls,
      imapUser: user.username,
      imapPasswordSealed: box.seal('imap-password'),
      smtpHost: 'smtp.example.com',
      smtpPort: 465,
      smtpSecurity: MailSecurity.Tls,
      smtpUser: user.username,
      smtpPasswordSealed: box.seal('smtp-password'),
    });
    const folders = ['INBOX', 'Archive'].map((path) => em.create(MailFolder, { account: created, path, name: path }));
    await em.flush();
    return { accountId: created.id, folderIds: folders.map((f) => f.id) };
  }

  let uid = 0;
  async function message(
    accountId: string,
    folderId: string,
    subject: string,
    internalDate: Date,
    textBody?: string,
  ): Promise<string> {
    const em = orm.em.fork();
    uid += 1;
    const created = em.create(MailMessage, {
      account: accountId,
      folder: folderId,
      uidValidity: '1',
      uid: String(uid),
      flags: ['\\Seen'],
      seen: true,
      references: [],
      subject,
      from: { name: 'Ana', address: 'ana@example.com' },
      to: [{ address: 'me@example.com' }],
      cc: [],
      replyTo: [],
      internalDate,
      size: 100,
      preview: subject.slice(0, 20),
      textBody,
      hasAttachments: false,
      attachments: [],
    });
    await em.flush();
    return created.id;
  }

  async function team(): Promise<{ org: Organization; me: User; other: User }> {
    const em = orm.em.fork();
    const me = await createUser(em);
    const other = await createUser(em);
    return { org: await createOrganization(em, [me, other]), me, other };
  }

  it('finds the ids of a user’s own accounts in an organization', async () => {
    const { org, me, other } = await team();
    const mine = await account(org, me);
    const second = await account(org, me);
    await account(org, other);
    const elsewhere = await createOrganization(orm.em.fork(), [me]);
    await account(elsewhere, me);

    expect((await repo().accountIdsOf(org.id, me.id)).sort()).toEqual([mine.accountId, second.accountId].sort());
    expect(await repo().accountIdsOf(org.id, (await createUser(orm.em.fork())).id)).toEqual([]);
  });

  it('searches the given accounts newest first or by rank, paging with limit and offset', async () => {
    const { org, me, other } = await team();
    const mine = await account(org, me);
    const theirs = await account(org, other);
    const word = `quokka${Date.now()}`;
    const inSubject = await message(mine.accountId, mine.folderIds[0], `${word} in the subject`, at(1));
    const inBody = await message(mine.accountId, mine.folderIds[1], 'plain', at(3), `only the body says ${word}`);
    const newest = await message(mine.accountId, mine.folderIds[0], `re: ${word}`, at(5));
    await message(mine.accountId, mine.folderIds[0], 'unrelated', at(6));
    await message(theirs.accountId, theirs.folderIds[0], word, at(7));

    const base = { accountIds: [mine.accountId], q: word, limit: 10, offset: 0 };
    const byDate = await repo().search({ ...base, byDate: true });
    expect(byDate.map((h) => h.id)).toEqual([newest, inBody, inSubject]);
    expect(byDate.every((h) => typeof h.rank === 'number' && h.rank > 0)).toBe(true);

    const ranked = await repo().search({ ...base, byDate: false });
    expect(ranked.map((h) => h.id).sort()).toEqual([newest, inBody, inSubject].sort());
    expect(ranked[ranked.length - 1].id).toBe(inBody); // weight C (body) ranks below A (subject)
    expect(ranked.map((h) => h.rank)).toEqual([...ranked.map((h) => h.rank)].sort((a, b) => b - a));

    expect((await repo().search({ ...base, byDate: true, limit: 1, offset: 1 })).map((h) => h.id)).toEqual([inBody]);
    expect((await repo().search({ ...base, byDate: false, limit: 2, offset: 2 })).map((h) => h.id)).toEqual([
      ranked[2].id,
    ]);
    expect((await repo().search({ ...base, byDate: true, folderId: mine.folderIds[1] })).map((h) => h.id)).toEqual([
      inBody,
    ]);
    expect(
      (await repo().search({ ...base, accountIds: [mine.accountId, theirs.accountId], byDate: true })).length,
    ).toBe(4);
    expect(await repo().search({ ...base, q: `-${word} ${word}`, byDate: true })).toEqual([]);
  });

  it('reads the list columns of messages by id', async () => {
    const { org, me } = await team();
    const mine = await account(org, me);
    const first = await message(mine.accountId, mine.folderIds[0], 'hello', at(1));
    const second = await message(mine.accountId, mine.folderIds[1], 'again', at(2));

    const rows = await repo().findSummaryRows([second, first, '00000000-0000-4000-8000-000000000000']);
    expect(rows.map((r) => r.id).sort()).toEqual([first, second].sort());
    const row = rows.find((r) => r.id === first)!;
    expect(row).toMatchObject({
      account_id: mine.accountId,
      folder_id: mine.folderIds[0],
      subject: 'hello',
      from_address: { name: 'Ana', address: 'ana@example.com' },
      to_addresses: [{ address: 'me@example.com' }],
      flags: ['\\Seen'],
      seen: true,
      flagged: false,
      has_attachments: false,
      size: 100,
      preview: 'hello',
      message_id: null,
      thread_id: null,
      sent_at: null,
    });
    expect(Number(row.uid)).toBeGreaterThan(0);
    expect(new Date(row.internal_date).toISOString()).toBe(at(1).toISOString());
    expect(await repo().findSummaryRows([])).toEqual([]);
  });
});
