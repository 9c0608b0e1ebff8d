import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { decodeKeysetCursor, encodeKeysetCursor } from 'src/common/http/keyset-cursor';
import { PageQueryDto } from 'src/common/http/pagination.dto';
import { isoTimestamp, selectRows } from 'src/database/select-rows';
import type { OrgContext } from 'src/modules/organizations/organization.decorators';
import { CONTACT_COLUMNS, contactRowToDto, type ContactRow } from './contact-rows';
import { SubscriptionStatus } from './contact-list.entity';
import {
  AddSubscribersDto,
  AddSubscribersResultDto,
  CreateListDto,
  ListDto,
  ListPageDto,
  SubscriberPageDto,
  SubscriberQueryDto,
  UpdateListDto,
} from './campaigns.dto';
import { CampaignError, CampaignErrorCode, invalidCursor } from './campaigns.errors';
import { subscribeContacts } from './subscriptions';

interface ListRow {
  id: string;
  name: string;
  description: string | null;
  double_opt_in: boolean;
  created_at: string | Date;
  confirmed: number;
  pending: number;
  unsubscribed: number;
}

/** A list with its subscriber counts by status (`l` is `campaign_lists`). */
const LIST_SELECT = `select l.id, l.name, l.description, l.double_opt_in, l.created_at,
    count(*) filter (where s.status = 'confirmed')::int as confirmed,
    count(*) filter (where s.status = 'pending')::int as pending,
    count(*) filter (where s.status = 'unsubscribed')::int as unsubscribed
  from campaign_lists l left join campaign_list_subscriptions s on s.list_id = l.id`;

const toListDto = (row: ListRow): ListDto => ({
  id: row.id,
  name: row.name,
  description: row.description,
  doubleOptIn: row.double_opt_in,
  subscribers: { confirmed: row.confirmed, pending: row.pending, unsubscribed: row.unsubscribed },
  createdAt: isoTimestamp(row.created_at),
});

const listNotFound = (id: string): CampaignError =>
  new CampaignError(CampaignErrorCode.ListNotFound, `List ${id} not found`);

const listExists = (name: string): CampaignError =>
  new CampaignError(CampaignErrorCode.ListExists, `A list named "${name}" exists`, { field: 'name' });

/** Static lists of an organization and their subscriptions. */
@Injectable()
export class ListsService {
  constructor(private readonly em: EntityManager) {}

  async create(org: OrgContext, dto: CreateListDto): Promise<ListDto> {
    try {
      const [row] = await this.em.execute<{ id: string }[]>(
        `insert into campaign_lists (id, organization_id, name, description, double_opt_in)
         values (gen_random_uuid(), ?, ?, ?, ?) returning id`,
        [org.id, dto.name, dto.description ?? null, dto.doubleOptIn ?? false],
      );
      return await this.get(org, row.id);
    } catch (error) {
      throw error instanceof UniqueConstraintViolationException ? listExists(dto.name) : error;
    }
  }

  async get(org: OrgContext, id: string): Promise<ListDto> {
    const [row] = await selectRows<ListRow>(
      this.em,
      `${LIST_SELECT} where l.organization_id = ? and l.id = ? group by l.id`,
      [org.id, id],
    );
    if (!row) {
      throw listNotFound(id);
    }
    return toListDto(row);
  }

  async list(org: OrgContext, page: PageQueryDto): Promise<ListPageDto> {
    const [rows, [count]] = await Promise.all([
      selectRows<ListRow>(
        this.em,
        `${LIST_SELECT} where l.organization_id = ? group by l.id order by l.created_at desc, l.id desc limit ? offset ?`,
        [org.id, page.limit, page.offset],
      ),
      selectRows<{ total: number }>(
        this.em,
        'select count(*)::int as total from campaign_lists where organization_id = ?',
        [org.id],
      ),
    ]);
    return { items: rows.map(toListDto), total: count.total, limit: page.limit, offset: page.offset };
  }

  async update(org: OrgContext, id: string, dto: UpdateListDto): Promise<ListDto> {
    try {
      const updated = await this.em.execute<{ id: string }[]>(
        `update campaign_lists set name = coalesce(?, name), description = case when ? then ? else description end,
           double_opt_in = coalesce(?, double_opt_in), updated_at = now()
         where organization_id = ? and id = ? returning id`,
        [dto.name ?? null, dto.description !== undefined, dto.description ?? null, dto.doubleOptIn ?? null, org.id, id],
      );
      if (updated.length === 0) {
        throw listNotFound(id);
      }
    } catch (error) {
      throw error instanceof UniqueConstraintViolationException ? listExists(dto.name ?? '') : error;
    }
    return this.get(org, id);
  }

  async remove(org: OrgContext, id: string): Promise<void> {
    const deleted = await this.em.execute<{ id: string }[]>(
      'delete from campaign_lists where organization_id = ? and id = ? returning id',
      [org.id, id],
    );
    if (deleted.length === 0) {
      throw listNotFound(id);
    }
  }

  /** Subscribes contacts of the organization (others are ignored); pending on a double opt-in list. */
  async addSubscribers(org: OrgContext, id: string, dto: AddSubscribersDto): Promise<AddSubscribersResultDto> {
    return subscribeContacts(this.em, await this.ownList(org, id), org.id, dto.contactIds);
  }

  async removeSubscriber(org: OrgContext, id: string, contactId: string): Promise<void> {
    const deleted = await this.em.execute<{ id: string }[]>(
      `delete from campaign_list_subscriptions s using campaign_lists l
       where s.list_id = l.id and l.organization_id = ? and l.id = ? and s.contact_id = ? returning s.id`,
      [org.id, id, contactId],
    );
    if (deleted.length === 0) {
      throw new CampaignError(CampaignErrorCode.ContactNotFound, `Contact ${contactId} is not on list ${id}`);
    }
  }

  /** The list's id and double opt-in, 404 when it is not one of the organization's (no counts: a cheap check). */
  private async ownList(org: OrgContext, id: string): Promise<{ id: string; double_opt_in: boolean }> {
    const [list] = await selectRows<{ id: string; double_opt_in: boolean }>(
      this.em,
      'select id, double_opt_in from campaign_lists where organization_id = ? and id = ?',
      [org.id, id],
    );
    if (!list) {
      throw listNotFound(id);
    }
    return list;
  }

  async subscribers(org: OrgContext, id: string, query: SubscriberQueryDto): Promise<SubscriberPageDto> {
    await this.ownList(org, id);
    const clauses = ['s.list_id = ?'];
    const values: unknown[] = [id];
    if (query.status) {
      clauses.push('s.status = ?');
      values.push(query.status);
    }
    if (query.cursor) {
      const after = decodeKeysetCursor(query.cursor, invalidCursor);
      clauses.push('(s.created_at, s.id) < (?::timestamptz, ?::uuid)');
      values.push(after.atText, after.id);
    }
    type Row = ContactRow & {
      subscription_id: string;
      subscription_status: SubscriptionStatus;
      subscribed_at: string | Date;
      confirmed_at: string | Date | null;
      unsubscribed_at: string | Date | null;
    };
    const rows = await selectRows<Row>(
      this.em,
      `select ${CONTACT_COLUMNS}, s.id as subscription_id, s.status as subscription_status,
         s.created_at as subscribed_at, s.confirmed_at, s.unsubscribed_at
       from campaign_list_subscriptions s join campaign_contacts c on c.id = s.contact_id
       where ${clauses.join(' and ')} order by s.created_at desc, s.id desc limit ?`,
      [...values, query.limit + 1],
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const optional = (value: string | Date | null): string | null => (value === null ? null : isoTimestamp(value));
    return {
      items: page.map((row) => ({
        contact: contactRowToDto(row),
        status: row.subscription_status,
        subscribedAt: isoTimestamp(row.subscribed_at),
        confirmedAt: optional(row.confirmed_at),
        unsubscribedAt: optional(row.unsubscribed_at),
      })),
      nextCursor:
        rows.length > query.limit && last ? encodeKeysetCursor(last.subscribed_at, last.subscription_id) : null,
    };
  }
}
