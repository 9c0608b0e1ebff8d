import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import type { FetchMessageObject, ImapFlow, ListResponse } from 'imapflow';
import { MailAccount, MailSyncState } from './mail-account.entity';
import { FolderRole, MailFolder } from './mail-folder.entity';
import { MailMessage } from './mail-message.entity';
import { parseMessage } from './mail-parse';

/** Messages fetched and inserted per round trip. */
export const SYNC_BATCH = 250;
/** Messages parsed at once within a batch. */
const PARSE_CONCURRENCY = 8;

const ROLE_BY_SPECIAL_USE: Record<string, FolderRole> = {
  '\\Inbox': FolderRole.Inbox,
  '\\Sent': FolderRole.Sent,
  '\\Drafts': FolderRole.Drafts,
  '\\Trash': FolderRole.Trash,
  '\\Junk': FolderRole.Junk,
  '\\Archive': FolderRole.Archive,
  '\\All': FolderRole.All,
  '\\Flagged': FolderRole.Flagged,
};

export interface FolderSyncResult {
  folder: MailFolder;
  added: number;
  updated: number;
  removed: number;
  /** Ids of messages added by an incremental pass (not the initial one), for `mail.received`. */
  received: string[];
  updatedIds: string[];
  removedIds: string[];
  resynced: boolean;
}

export interface SyncListener {
  onFolderSynced?(account: MailAccount, result: FolderSyncResult): Promise<void>;
}

function flagColumns(
  flags: Set<string> | undefined,
): Pick<MailMessage, 'flags' | 'seen' | 'flagged' | 'answered' | 'draft'> {
  const list = [...(flags ?? [])].sort();
  return {
    flags: list,
    seen: list.includes('\\Seen'),
    flagged: list.includes('\\Flagged'),
    answered: list.includes('\\Answered'),
    draft: list.includes('\\Draft'),
  };
}

/** A PostgreSQL array literal: knex would spread a JS array binding into a list. */
function pgArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

/**
 * Keeps the stored copy of an account equal to the server, over a connected imapflow client:
 * folders with their roles; per folder, UIDVALIDITY (a change drops the folder's copy and starts over),
 * new UIDs fetched newest first in batches (full source, parsed, inserted with ON CONFLICT DO NOTHING on
 * (folder, uidvalidity, uid), so a run killed midway resumes without loss or duplicates), flag changes by
 * CONDSTORE CHANGEDSINCE when offered (else by comparing all flags), and expunges by comparing UID sets.
 */
@Injectable()
export class MailSyncService {
  private readonly logger = new Logger(MailSyncService.name);

  constructor(private readonly em: EntityManager) {}

  /** Every folder, Inbox first. */
  async syncAccount(client: ImapFlow, account: MailAccount, listener?: SyncListener): Promise<FolderSyncResult[]> {
    const folders = await this.syncFolderList(this.em.fork(), client, account);
    const results: FolderSyncResult[] = [];
    for (const folder of folders) {
      const result = await this.syncFolder(client, account, folder.path);
      results.push(result);
      await listener?.onFolderSynced?.(account, result);
    }
    return results;
  }

  async syncFolderList(em: EntityManager, client: ImapFlow, account: MailAccount): Promise<MailFolder[]> {
    const listed: ListResponse[] = (await client.list()).filter((f) => !f.flags.has('\\Noselect'));
    const existing = await em.find(MailFolder, { account: account.id });
    const byPath = new Map(existing.map((f) => [f.path, f]));
    for (const entry of listed) {
      const role =
        entry.path.toUpperCase() === 'INBOX'
          ? FolderRole.Inbox
          : entry.specialUse
            ? ROLE_BY_SPECIAL_USE[entry.specialUse]
            : undefined;
      const folder = byPath.get(entry.path);
      if (folder) {
        folder.role = role;
        folder.name = entry.name;
        byPath.delete(entry.path);
      } else {
        em.create(MailFolder, {
          account: account.id,
          path: entry.path,
          name: entry.name,
          delimiter: entry.delimiter,
          role,
        });
      }
    }
    // Folders gone from the server go with their messages.
    for (const gone of byPath.values()) {
      em.remove(gone);
    }
    await em.flush();
    const folders = await em.find(MailFolder, { account: account.id });
    return folders.sort(
      (a, b) =>
        Number(b.role === FolderRole.Inbox) - Number(a.role === FolderRole.Inbox) || a.path.localeCompare(b.path),
    );
  }

  async syncFolder(client: ImapFlow, account: MailAccount, path: string): Promise<FolderSyncResult> {
    const em = this.em.fork();
    const folder = await em.findOneOrFail(MailFolder, { account: account.id, path });
    const initial = !folder.lastSyncedAt;
    const lock = await client.getMailboxLock(path);
    try {
      const mailbox = client.mailbox;
      if (!mailbox) {
        throw new Error(`mailbox ${path} did not open`);
      }
      const uidValidity = String(mailbox.uidValidity);
      let resynced = false;
      if (folder.uidValidity && folder.uidValidity !== uidValidity) {
        this.logger.warn(
          { accountId: account.id, path, was: folder.uidValidity, now: uidValidity },
          'UIDVALIDITY changed: resync',
        );
        await em.nativeDelete(MailMessage, { folder: folder.id });
        folder.highestModseq = undefined;
        resynced = true;
      }
      folder.uidValidity = uidValidity;

      const serverUids = mailbox.exists > 0 ? (await client.search({ all: true }, { uid: true })) || [] : [];
      const known = await this.knownUids(em, folder.id, uidValidity);
      const serverSet = new Set(serverUids);
      const removedUids = [...known.keys()].filter((uid) => !serverSet.has(uid));
      const missing = serverUids.filter((uid) => !known.has(uid)).sort((a, b) => b - a);

      const removedIds = removedUids.map((uid) => known.get(uid)!);
      if (removedIds.length > 0) {
        await em.nativeDelete(MailMessage, { id: { $in: removedIds } });
      }

      const updatedIds = await this.syncFlags(
        em,
        client,
        folder,
        uidValidity,
        known,
        removedUids,
        mailbox.highestModseq,
      );

      const received: string[] = [];
      for (let start = 0; start < missing.length; start += SYNC_BATCH) {
        const batch = missing.slice(start, start + SYNC_BATCH);
        const inserted = await this.fetchAndStore(em, client, account, folder, uidValidity, batch);
        if (!initial && !resynced) {
          received.push(...inserted);
        }
      }

      folder.uidNext = String(mailbox.uidNext);
      folder.highestModseq = mailbox.highestModseq !== undefined ? String(mailbox.highestModseq) : undefined;
      folder.lastSyncedAt = new Date();
      const [counts] = await em
        .getConnection()
        .execute<{ total: number; unseen: number }[]>(
          'select count(*)::int as total, count(*) filter (where not seen)::int as unseen from mail_messages where folder_id = ?',
          [folder.id],
        );
      folder.total = counts.total;
      folder.unseen = counts.unseen;
      await em.flush();
      return {
        folder,
        added: missing.length,
        updated: updatedIds.length,
        removed: removedIds.length,
        received,
        updatedIds,
        removedIds,
        resynced,
      };
    } finally {
      lock.release();
    }
  }

  private async knownUids(em: EntityManager, folderId: string, uidValidity: string): Promise<Map<number, string>> {
    const rows = await em
      .getConnection()
      .execute<{ uid: string; id: string }[]>(
        'select uid, id from mail_messages where folder_id = ? and uid_validity = ?',
        [folderId, uidValidity],
      );
    return new Map(rows.map((r) => [Number(r.uid), r.id]));
  }

  /** Changed flags since the stored HIGHESTMODSEQ with CONDSTORE, else every message's flags compared. */
  private async syncFlags(
    em: EntityManager,
    client: ImapFlow,
    folder: MailFolder,
    uidValidity: string,
    known: Map<number, string>,
    removed: number[],
    serverModseq: bigint | undefined,
  ): Promise<string[]> {
    if (known.size === 0) {
      return [];
    }
    // Nullable columns come back as null: a folder whose last pass never finished has no HIGHESTMODSEQ yet.
    const stored = folder.highestModseq ? BigInt(folder.highestModseq) : undefined;
    const condstore = serverModseq !== undefined && stored !== undefined;
    if (condstore && stored === serverModseq) {
      return [];
    }
    const gone = new Set(removed);
    const changed = (
      await client.fetchAll(
        '1:*',
        { uid: true, flags: true },
        condstore ? { uid: true, changedSince: stored } : { uid: true },
      )
    ).filter((m: FetchMessageObject) => known.has(m.uid) && !gone.has(m.uid));
    if (changed.length === 0) {
      return [];
    }
    // Group by the resulting flag set: one UPDATE per distinct set, only where the flags really differ.
    const groups = new Map<string, { flags: Set<string> | undefined; uids: number[] }>();
    for (const message of changed) {
      const key = [...(message.flags ?? [])].sort().join(' ');
      const group = groups.get(key) ?? { flags: message.flags, uids: [] };
      group.uids.push(message.uid);
      groups.set(key, group);
    }
    const ids: string[] = [];
    for (const { flags, uids } of groups.values()) {
      const columns = flagColumns(flags);
      const rows = await em.getConnection().execute<{ id: string }[]>(
        `update mail_messages set flags = ?::text[], seen = ?, flagged = ?, answered = ?, draft = ?, updated_at = now()
            where folder_id = ? and uid_validity = ? and uid = any(?::bigint[]) and flags <> ?::text[] returning id`,
        [
          pgArray(columns.flags),
          columns.seen,
          columns.flagged,
          columns.answered,
          columns.draft,
          folder.id,
          uidValidity,
          pgArray(uids.map(String)),
          pgArray(columns.flags),
        ],
      );
      ids.push(...rows.map((r) => r.id));
    }
    return ids;
  }

  private async fetchAndStore(
    em: EntityManager,
    client: ImapFlow,
    account: MailAccount,
    folder: MailFolder,
    uidValidity: string,
    uids: number[],
  ): Promise<string[]> {
    const fetched = await client.fetchAll(
      uids.join(','),
      { uid: true, flags: true, internalDate: true, size: true, source: true },
      { uid: true },
    );
    const rows = await mapLimit(fetched, PARSE_CONCURRENCY, async (message) => {
      const parsed = await parseMessage(message.source ?? Buffer.alloc(0));
      const internalDate =
        message.internalDate instanceof Date ? message.internalDate : new Date(message.internalDate ?? Date.now());
      return {
        id: crypto.randomUUID(),
        account: account.id,
        folder: folder.id,
        uidValidity,
        uid: String(message.uid),
        modseq: message.modseq !== undefined ? String(message.modseq) : undefined,
        ...flagColumns(message.flags),
        messageId: parsed.messageId,
        inReplyTo: parsed.inReplyTo,
        references: parsed.references,
        threadId: parsed.references[0] ?? parsed.inReplyTo ?? parsed.messageId,
        subject: parsed.subject,
        from: parsed.from,
        to: parsed.to,
        cc: parsed.cc,
        replyTo: parsed.replyTo,
        sentAt: parsed.sentAt,
        internalDate,
        size: message.size ?? message.source?.length ?? 0,
        preview: parsed.preview,
        textBody: parsed.textBody,
        htmlBody: parsed.htmlBody,
        hasAttachments: parsed.attachments.some((a) => !a.inline),
        attachments: parsed.attachments,
      };
    });
    if (rows.length === 0) {
      return [];
    }
    const inserted = await em
      .createQueryBuilder(MailMessage)
      .insert(rows)
      .onConflict(['folder', 'uidValidity', 'uid'])
      .ignore()
      .returning(['id'])
      .execute<{ id: string }[]>('all');
    return inserted.map((r) => r.id);
  }

  /** Records the account's state (and error) without loading it into anyone's identity map. */
  async setState(accountId: string, state: MailSyncState, error?: string): Promise<void> {
    const now = new Date();
    await this.em.fork().nativeUpdate(
      MailAccount,
      { id: accountId },
      {
        syncState: state,
        ...(error !== undefined ? { lastError: error.slice(0, 1000), lastErrorAt: now } : {}),
        ...(state === MailSyncState.Idle ? { lastSyncedAt: now, lastError: null } : {}),
      },
    );
  }
}
