import { decodeKeysetCursor, encodeKeysetCursor } from 'src/common/http/keyset-cursor';
import { EntityManager, FilterQuery, QueryOrder } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthUser } from 'src/common/auth/auth-user';
import { likeContains } from 'src/database/select-rows';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { MailAccountsService } from './mail-accounts.service';
import { MailFolder } from './mail-folder.entity';
import { MailMessage } from './mail-message.entity';
import {
  MailFolderDto,
  MailMessageDto,
  MailMessagePageDto,
  MailMessageSummaryDto,
  MailSearchQueryDto,
  MailSearchResultDto,
  MailSearchSort,
  MessageListQueryDto,
} from './mail-messages.dto';
import { MailMessagesRepository, type SummaryRow } from './mail-messages.repository';
import { invalidCursor, MailError, MailErrorCode } from './mail.errors';

function toSummary(m: MailMessage): MailMessageSummaryDto {
  return {
    id: m.id,
    accountId: m.account.id,
    folderId: m.folder.id,
    uid: Number(m.uid),
    messageId: m.messageId ?? null,
    threadId: m.threadId ?? null,
    subject: m.subject ?? null,
    from: m.from ?? null,
    to: m.to,
    flags: m.flags,
    seen: m.seen,
    flagged: m.flagged,
    hasAttachments: m.hasAttachments,
    size: m.size,
    preview: m.preview,
    sentAt: m.sentAt?.toISOString() ?? null,
    internalDate: m.internalDate.toISOString(),
  };
}

/** {@link toSummary} for a raw row of SUMMARY_COLUMNS. */
function rowToSummary(r: SummaryRow): MailMessageSummaryDto {
  return {
    id: r.id,
    accountId: r.account_id,
    folderId: r.folder_id,
    uid: Number(r.uid),
    messageId: r.message_id,
    threadId: r.thread_id,
    subject: r.subject,
    from: r.from_address,
    to: r.to_addresses,
    flags: r.flags,
    seen: r.seen,
    flagged: r.flagged,
    hasAttachments: r.has_attachments,
    size: r.size,
    preview: r.preview,
    sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null,
    internalDate: new Date(r.internal_date).toISOString(),
  };
}

/** Reading the synced copy: folders, message lists with filters and cursors, single messages with bodies. */
@Injectable()
export class MailMessagesService {
  constructor(
    private readonly em: EntityManager,
    private readonly accounts: MailAccountsService,
    private readonly messages: MailMessagesRepository,
  ) {}

  async folders(org: OrgContext, actor: AuthUser, accountId: string): Promise<MailFolderDto[]> {
    await this.accounts.owned(org, actor, accountId);
    const folders = await this.em.find(MailFolder, { account: accountId }, { orderBy: { path: QueryOrder.ASC } });
    return folders.map((f) => ({
      id: f.id,
      path: f.path,
      name: f.name,
      role: f.role ?? null,
      total: f.total,
      unseen: f.unseen,
      lastSyncedAt: f.lastSyncedAt?.toISOString() ?? null,
    }));
  }

  async list(
    org: OrgContext,
    actor: AuthUser,
    accountId: string,
    query: MessageListQueryDto,
  ): Promise<MailMessagePageDto> {
    await this.accounts.owned(org, actor, accountId);
    const where: FilterQuery<MailMessage>[] = [{ account: accountId, folder: query.folderId }];
    if (query.unread !== undefined) {
      where.push({ seen: !query.unread });
    }
    if (query.flagged !== undefined) {
      where.push({ flagged: query.flagged });
    }
    if (query.hasAttachments !== undefined) {
      where.push({ hasAttachments: query.hasAttachments });
    }
    if (query.since) {
      where.push({ internalDate: { $gte: query.since } });
    }
    if (query.before) {
      where.push({ internalDate: { $lt: query.before } });
    }
    if (query.from) {
      const like = likeContains(query.from);
      where.push({ $or: [{ from: { address: { $ilike: like } } }, { from: { name: { $ilike: like } } }] });
    }
    if (query.cursor) {
      const { at, id } = decodeKeysetCursor(query.cursor, invalidCursor);
      where.push({ $or: [{ internalDate: { $lt: at } }, { internalDate: at, id: { $lt: id } }] });
    }
    const rows = await this.em.find(
      MailMessage,
      { $and: where },
      {
        orderBy: { internalDate: QueryOrder.DESC, id: QueryOrder.DESC },
        limit: query.limit + 1,
      },
    );
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(toSummary),
      nextCursor:
        rows.length > query.limit
          ? encodeKeysetCursor(page[page.length - 1].internalDate, page[page.length - 1].id)
          : null,
    };
  }

  /**
   * Full-text search over the generated `search` tsvector (GIN-indexed): websearch syntax (words, "phrases",
   * -excluded, OR) with the 'simple' configuration, so names, addresses and any language match as written; ranked
   * (ts_rank_cd, within the newest SEARCH_RANK_WINDOW matches) or newest first.
   */
  async search(org: OrgContext, actor: AuthUser, query: MailSearchQueryDto): Promise<MailSearchResultDto> {
    // The caller's own accounts here, resolved first: a plain `account_id = any(…)` lets the planner walk
    // (account_id, internal_date) newest first for common words, or the GIN index for rare ones.
    const accounts = await this.messages.accountIdsOf(org.id, actor.id);
    const accountIds = accounts.filter((id) => !query.accountId || id === query.accountId);
    if (accountIds.length === 0) {
      return { items: [], limit: query.limit, offset: query.offset };
    }
    const hits = await this.messages.search({
      accountIds,
      q: query.q,
      folderId: query.folderId,
      byDate: query.sort === MailSearchSort.Date,
      limit: query.limit,
      offset: query.offset,
    });
    // Summaries straight from rows: hydrating entities (identity map, relation proxies) cost more than the search.
    const rows = hits.length ? await this.messages.findSummaryRows(hits.map((h) => h.id)) : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return {
      items: hits.filter((h) => byId.has(h.id)).map((h) => ({ ...rowToSummary(byId.get(h.id)!), rank: h.rank })),
      limit: query.limit,
      offset: query.offset,
    };
  }

  /** The conversation a message belongs to (same thread root in the account), oldest first. */
  async thread(org: OrgContext, actor: AuthUser, id: string): Promise<MailMessageSummaryDto[]> {
    const message = await this.owned(org, actor, id);
    if (!message.threadId) {
      return [toSummary(message)];
    }
    const members = await this.em.find(
      MailMessage,
      { account: message.account.id, threadId: message.threadId },
      { orderBy: { internalDate: QueryOrder.ASC, id: QueryOrder.ASC }, limit: 500 },
    );
    return members.map(toSummary);
  }

  async get(org: OrgContext, actor: AuthUser, id: string): Promise<MailMessageDto> {
    const message = await this.owned(org, actor, id, true);
    return {
      ...toSummary(message),
      cc: message.cc,
      replyTo: message.replyTo,
      inReplyTo: message.inReplyTo ?? null,
      references: message.references,
      text: message.textBody ?? null,
      html: message.htmlBody ?? null,
      attachments: message.attachments,
    };
  }

  /** A message of one of the caller's own accounts in the organization; 404 for anyone else's. */
  private async owned(org: OrgContext, actor: AuthUser, id: string, withBodies = false): Promise<MailMessage> {
    const message = await this.em.findOne(
      MailMessage,
      { id, account: { organization: org.id, user: actor.id } },
      withBodies ? { populate: ['textBody', 'htmlBody'] } : {},
    );
    if (!message) {
      throw new MailError(MailErrorCode.MessageNotFound, `Message ${id} not found`);
    }
    return message;
  }
}
