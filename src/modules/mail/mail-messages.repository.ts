import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { MailAddress } from './mail-message.entity';
import { SEARCH_RANK_WINDOW } from './mail-messages.dto';

/** A message's list columns as PostgreSQL returns them (`findSummaryRows`). */
export interface SummaryRow {
  id: string;
  account_id: string;
  folder_id: string;
  uid: string;
  message_id: string | null;
  thread_id: string | null;
  subject: string | null;
  from_address: MailAddress | null;
  to_addresses: MailAddress[];
  flags: string[];
  seen: boolean;
  flagged: boolean;
  has_attachments: boolean;
  size: number;
  preview: string;
  sent_at: Date | null;
  internal_date: Date;
}

const SUMMARY_COLUMNS =
  'id, account_id, folder_id, uid, message_id, thread_id, subject, from_address, to_addresses, flags, seen, flagged, ' +
  'has_attachments, size, preview, sent_at, internal_date';

export interface MailSearch {
  /** The caller's own accounts (at least one). */
  accountIds: string[];
  /** websearch syntax, 'simple' configuration. */
  q: string;
  folderId?: string;
  /** Newest first; otherwise by rank within the newest SEARCH_RANK_WINDOW matches. */
  byDate: boolean;
  limit: number;
  offset: number;
}

/** The SQL of reading synced mail that the ORM does not express: full-text search and raw summary rows. */
@Injectable()
export class MailMessagesRepository {
  constructor(private readonly em: EntityManager) {}

  /** Ids of a user's mail accounts in an organization. */
  async accountIdsOf(organizationId: string, userId: string): Promise<string[]> {
    const rows = await this.em
      .getConnection()
      .execute<{ id: string }[]>('select id from mail_accounts where organization_id = ? and user_id = ?', [
        organizationId,
        userId,
      ]);
    return rows.map((r) => r.id);
  }

  /**
   * One page of full-text matches over the generated `search` tsvector (GIN-indexed) of the given accounts, with
   * their ts_rank_cd rank: newest first, or ranked within the newest SEARCH_RANK_WINDOW matches.
   */
  search(search: MailSearch): Promise<{ id: string; rank: number }[]> {
    // Per account, a LATERAL subquery with `account_id = a.id`: an equality the planner can walk newest first on
    // (account_id, internal_date), stopping after `depth` matches, where `account_id = any(…)` would sort them all.
    // `depth` is an integer: the validated limit + offset, or the window constant.
    const folderFilter = search.folderId ? 'and m.folder_id = ?' : '';
    const matches = (depth: number): [string, unknown[]] => [
      `select m.id, m.internal_date, m.search
         from unnest(?::uuid[]) a(id)
         cross join lateral (
           select m.id, m.internal_date, m.search from mail_messages m
            where m.account_id = a.id and m.search @@ websearch_to_tsquery('simple', ?) ${folderFilter}
            order by m.internal_date desc, m.id limit ${depth}
         ) m`,
      [`{${search.accountIds.join(',')}}`, search.q, ...(search.folderId ? [search.folderId] : [])],
    ];
    const rank = `ts_rank_cd(search, websearch_to_tsquery('simple', ?))::float8 as rank`;
    if (search.byDate) {
      const [sql, params] = matches(search.limit + search.offset);
      return this.em
        .getConnection()
        .execute(`select id, ${rank} from (${sql}) found order by internal_date desc, id limit ? offset ?`, [
          search.q,
          ...params,
          search.limit,
          search.offset,
        ]);
    }
    // Ranked within the newest SEARCH_RANK_WINDOW matches, so a word found in half of a 100k mailbox does not
    // make PostgreSQL rank 50 000 documents.
    const [sql, params] = matches(SEARCH_RANK_WINDOW);
    return this.em.getConnection().execute(
      `select id, ${rank}
         from (${sql} order by m.internal_date desc limit ${SEARCH_RANK_WINDOW}) recent
        order by rank desc, internal_date desc, id
        limit ? offset ?`,
      [search.q, ...params, search.limit, search.offset],
    );
  }

  /** The list columns of these messages, in no particular order. */
  findSummaryRows(ids: string[]): Promise<SummaryRow[]> {
    return this.em
      .getConnection()
      .execute<SummaryRow[]>(`select ${SUMMARY_COLUMNS} from mail_messages where id = any(?::uuid[])`, [
        `{${ids.join(',')}}`,
      ]);
  }
}
