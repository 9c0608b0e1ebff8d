import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import type { FetchMessageObject, ImapFlow, ListResponse } from 'imapflow';
import type { Knex } from '@mikro-orm/knex';
import { randomUUID } from 'node:crypto';
import { MailAccount, MailSyncState } from './mail-account.entity';
import { FolderRole, MailFolder } from './mail-folder.entity';
import { MailMessage } from './mail-message.entity';
import { MailParsePool } from './mail-parse.pool';

/** Messages fetched and inserted per round trip. */
export const SYNC_BATCH = 250;

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

/** A compact UID set: runs of consecutive UIDs as ranges (`9,7:5,1` for 9,7,6,5,1). */
export function uidSet(uids: number[]): string {
  const sorted = [...uids].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) {
      j++;
    }
    parts.push(j > i ? `${sorted[i]}:${sorted[j]}` : String(sorted[i]));
    i = j;
  }
  return parts.join(',');
}

/** Columns of the sync's bulk insert (created_at/updated_at take their defaults, `search` is generated). */
const INSERT_COLUMNS = [
  'id',
  'account_id',
  'folder_id',
  'uid_validity',
  'uid',
  'modseq',
  'flags',
  'seen',
  'flagged',
  'answered',
  'draft',
  'message_id',
  'in_reply_to',
  'reference_ids',
  'thread_id',
  'subject',
  'from_address',
  'to_addresses',
  'cc_addresses',
  'reply_to_addresses',
  'sent_at',
  'internal_date',
  'size',
  'preview',
  'text_body',
  'html_body',
  'has_attachments',
  'attachments',
] as const;

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

  constructor(
    private readonly em: EntityManager,
    private readonly parser: MailParsePool,
  ) {}

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

      // A pipeline: while one batch is written to PostgreSQL, the next is fetched and parsed.
      const inserted: string[] = [];
      let writing: Promise<string[]> | undefined;
      for (let start = 0; start < missing.length; start += SYNC_BATCH) {
        const rows = await this.fetchAndParse(
          client,
          account,
          folder,
          uidValidity,
          missing.slice(start, start + SYNC_BATCH),
        );
        if (writing) {
          inserted.push(...(await writing));
        }
        writing = this.insertRows(em, rows);
        // Handled when awaited; this keeps a failed write from being reported as unhandled while a fetch runs.
        writing.catch(() => undefined);
      }
      if (writing) {
        inserted.push(...(await writing));
      }
      const received = initial || resynced ? [] : inserted;

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

  /** Fetches full sources of `uids` and parses each as it arrives, into rows for {@link insertRows}. */
  private async fetchAndParse(
    client: ImapFlow,
    account: MailAccount,
    folder: MailFolder,
    uidValidity: string,
    uids: number[],
  ): Promise<unknown[][]> {
    const parsing: Promise<unknown[]>[] = [];
    for await (const message of client.fetch(
      uidSet(uids),
      { uid: true, flags: true, internalDate: true, size: true, source: true },
      { uid: true },
    )) {
      parsing.push(this.row(message, account, folder, uidValidity));
    }
    return Promise.all(parsing);
  }

  private async row(
    message: FetchMessageObject,
    account: MailAccount,
    folder: MailFolder,
    uidValidity: string,
  ): Promise<unknown[]> {
    const source = message.source ?? Buffer.alloc(0);
    const parsed = await this.parser.parse(source);
    const flags = flagColumns(message.flags);
    const internalDate =
      message.internalDate instanceof Date ? message.internalDate : new Date(message.internalDate ?? Date.now());
    // In the order of INSERT_COLUMNS.
    return [
      randomUUID(),
      account.id,
      folder.id,
      uidValidity,
      String(message.uid),
      message.modseq !== undefined ? String(message.modseq) : null,
      pgArray(flags.flags),
      flags.seen,
      flags.flagged,
      flags.answered,
      flags.draft,
      parsed.messageId ?? null,
      parsed.inReplyTo ?? null,
      pgArray(parsed.references),
      parsed.references[0] ?? parsed.inReplyTo ?? parsed.messageId ?? null,
      parsed.subject ?? null,
      parsed.from ? JSON.stringify(parsed.from) : null,
      JSON.stringify(parsed.to),
      JSON.stringify(parsed.cc),
      JSON.stringify(parsed.replyTo),
      parsed.sentAt ?? null,
      internalDate,
      message.size ?? source.length,
      parsed.preview,
      parsed.textBody ?? null,
      parsed.htmlBody ?? null,
      parsed.attachments.some((a) => !a.inline),
      JSON.stringify(parsed.attachments),
    ];
  }

  /**
   * One multi-row INSERT with bound parameters, straight through knex: the ORM's unit of work and its inlining of
   * values into the SQL text cost more than parsing the messages did. ON CONFLICT DO NOTHING on (folder, uidvalidity,
   * uid) makes a re-run after a crash insert nothing twice. Returns the ids of the rows really inserted.
   */
  private async insertRows(em: EntityManager, rows: unknown[][]): Promise<string[]> {
    if (rows.length === 0) {
      return [];
    }
    const tuple = `(${INSERT_COLUMNS.map(() => '?').join(',')})`;
    const sql =
      `insert into mail_messages (${INSERT_COLUMNS.join(',')}) values ${rows.map(() => tuple).join(',')} ` +
      'on conflict (folder_id, uid_validity, uid) do nothing returning id';
    const result = await em.getKnex().raw<{ rows: { id: string }[] }>(sql, rows.flat() as Knex.RawBinding[]);
    return result.rows.map((r) => r.id);
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
