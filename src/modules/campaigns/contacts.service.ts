import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { decodeKeysetCursor, encodeKeysetCursor } from 'src/common/http/keyset-cursor';
import { pgArray } from 'src/database/pg-array';
import { likeContains, selectRows } from 'src/database/select-rows';
import type { OrgContext } from 'src/modules/organizations/organization.decorators';
import { attributeProblem, mergeAttributes } from './contact-attributes';
import {
  CONTACT_COLUMNS,
  contactCsvFields,
  contactRowToDto,
  CSV_COLUMNS,
  csvLine,
  type ContactRow,
} from './contact-rows';
import { ContactStatus } from './contact.entity';
import {
  BulkContactAction,
  BulkContactsDto,
  BulkContactsResultDto,
  ContactDto,
  ContactFilterDto,
  ContactPageDto,
  ContactQueryDto,
  CreateContactDto,
  UpdateContactDto,
} from './campaigns.dto';
import { CampaignError, CampaignErrorCode, invalidCursor } from './campaigns.errors';
import { subscribeContacts } from './subscriptions';

const contactNotFound = (id: string): CampaignError =>
  new CampaignError(CampaignErrorCode.ContactNotFound, `Contact ${id} not found`);

const contactExists = (email: string): CampaignError =>
  new CampaignError(CampaignErrorCode.ContactExists, `A contact with the email ${email} exists`, { field: 'email' });

function checkAttributes(attributes: Record<string, unknown> | undefined, allowNull: boolean): void {
  const problem = attributes && attributeProblem(attributes, allowNull);
  if (problem) {
    throw new CampaignError(CampaignErrorCode.InvalidFilter, problem, { field: 'attributes' });
  }
}

/** The `attributes` query filter: a JSON object of attribute values the contact must have. */
function parseAttributeFilter(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CampaignError(CampaignErrorCode.InvalidFilter, 'attributes must be a JSON object, e.g. {"plan":"pro"}', {
      field: 'attributes',
    });
  }
  checkAttributes(value as Record<string, unknown>, false);
  return value as Record<string, unknown>;
}

/** The search clauses of `query` over `campaign_contacts c`, with their bound values. */
function filterOf(query: ContactFilterDto): { clauses: string[]; values: unknown[] } {
  const clauses: string[] = [];
  const values: unknown[] = [];
  if (query.q) {
    clauses.push('(c.email ilike ? or c.name ilike ?)');
    values.push(likeContains(query.q), likeContains(query.q));
  }
  if (query.status) {
    clauses.push('c.status = ?');
    values.push(query.status);
  }
  if (query.tag) {
    clauses.push('c.tags @> array[?]::text[]');
    values.push(query.tag);
  }
  if (query.attributes) {
    clauses.push('c.attributes @> ?::jsonb');
    values.push(JSON.stringify(parseAttributeFilter(query.attributes)));
  }
  if (query.listId) {
    clauses.push('exists (select 1 from campaign_list_subscriptions s where s.list_id = ? and s.contact_id = c.id)');
    values.push(query.listId);
  }
  return { clauses, values };
}

/** Contacts per query of an export. */
const EXPORT_BATCH = 1000;

/**
 * An organization's contacts: create, read, search, change, delete and bulk actions. Reads are plain rows (keyset
 * pages over `(organization, created_at, id)`, filters backed by the GIN indexes on tags and attributes); writes go
 * through one transaction each.
 */
@Injectable()
export class ContactsService {
  constructor(private readonly em: EntityManager) {}

  async create(org: OrgContext, dto: CreateContactDto): Promise<ContactDto> {
    checkAttributes(dto.attributes, false);
    const id = await this.em.transactional(async (em) => {
      const consentAt = dto.consentAt ?? (dto.consentSource ? new Date() : null);
      let rows: { id: string }[];
      try {
        rows = await em.execute<{ id: string }[]>(
          `insert into campaign_contacts
             (id, organization_id, email, name, attributes, tags, status, consent_source, consent_at, status_changed_at)
           values (gen_random_uuid(), ?, ?, ?, ?::jsonb, ?::text[], ?, ?, ?, case when ? <> 'active' then now() end)
           returning id`,
          [
            org.id,
            dto.email,
            dto.name ?? null,
            JSON.stringify(dto.attributes ?? {}),
            pgArray([...new Set(dto.tags ?? [])]),
            dto.status ?? ContactStatus.Active,
            dto.consentSource ?? null,
            consentAt,
            dto.status ?? ContactStatus.Active,
          ],
        );
      } catch (error) {
        throw error instanceof UniqueConstraintViolationException ? contactExists(dto.email) : error;
      }
      if (dto.listIds?.length) {
        await this.subscribe(em, org, rows[0].id, dto.listIds);
      }
      return rows[0].id;
    });
    return this.get(org, id);
  }

  /** Subscribes one contact to lists of the organization (404 for a list that is not one of them). */
  private async subscribe(em: EntityManager, org: OrgContext, contactId: string, listIds: string[]): Promise<void> {
    const unique = [...new Set(listIds)];
    const lists = await em.execute<{ id: string; double_opt_in: boolean }[]>(
      'select id, double_opt_in from campaign_lists where organization_id = ? and id = any(?::uuid[])',
      [org.id, pgArray(unique)],
    );
    const missing = unique.find((id) => !lists.some((list) => list.id === id));
    if (missing) {
      throw new CampaignError(CampaignErrorCode.ListNotFound, `List ${missing} not found`, { field: 'listIds' });
    }
    for (const list of lists) {
      await subscribeContacts(em, list, org.id, [contactId]);
    }
  }

  async get(org: OrgContext, id: string): Promise<ContactDto> {
    const [row] = await selectRows<ContactRow>(
      this.em,
      `select ${CONTACT_COLUMNS} from campaign_contacts c where c.organization_id = ? and c.id = ?`,
      [org.id, id],
    );
    if (!row) {
      throw contactNotFound(id);
    }
    return contactRowToDto(row);
  }

  async list(org: OrgContext, query: ContactQueryDto): Promise<ContactPageDto> {
    const after = query.cursor ? decodeKeysetCursor(query.cursor, invalidCursor) : undefined;
    const rows = await this.page(org, filterOf(query), after && { at: after.atText, id: after.id }, query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(contactRowToDto),
      nextCursor: rows.length > query.limit && last ? encodeKeysetCursor(last.created_at, last.id) : null,
    };
  }

  /** Up to `limit` contacts matching `filter`, newest first, after the position `after`. */
  private page(
    org: OrgContext,
    filter: { clauses: string[]; values: unknown[] },
    after: { at: string | Date; id: string } | undefined,
    limit: number,
  ): Promise<ContactRow[]> {
    const clauses = ['c.organization_id = ?', ...filter.clauses];
    const values = [org.id, ...filter.values];
    if (after) {
      clauses.push('(c.created_at, c.id) < (?::timestamptz, ?::uuid)');
      values.push(after.at, after.id);
    }
    return selectRows<ContactRow>(
      this.em,
      `select ${CONTACT_COLUMNS} from campaign_contacts c where ${clauses.join(' and ')}
       order by c.created_at desc, c.id desc limit ?`,
      [...values, limit],
    );
  }

  /**
   * The contacts matching `query` as CSV (a header line, then one line per contact, newest first), read in keyset
   * batches as the client takes them: memory stays flat whatever the size of the audience.
   */
  exportCsv(org: OrgContext, query: ContactFilterDto): Readable {
    const filter = filterOf(query); // a bad filter is refused before the response starts
    const page = this.page.bind(this);
    async function* lines(): AsyncGenerator<string> {
      yield `${csvLine(CSV_COLUMNS)}\n`;
      let after: { at: string | Date; id: string } | undefined;
      for (;;) {
        const rows = await page(org, filter, after, EXPORT_BATCH);
        if (rows.length > 0) {
          yield rows.map((row) => `${csvLine(contactCsvFields(row))}\n`).join('');
        }
        if (rows.length < EXPORT_BATCH) {
          return;
        }
        const last = rows[rows.length - 1];
        after = { at: last.created_at, id: last.id };
      }
    }
    return Readable.from(lines(), { objectMode: false });
  }

  async update(org: OrgContext, id: string, dto: UpdateContactDto): Promise<ContactDto> {
    checkAttributes(dto.attributes, true);
    await this.em.transactional(async (em) => {
      const [current] = await em.execute<{ attributes: Record<string, unknown> }[]>(
        'select attributes from campaign_contacts where organization_id = ? and id = ? for update',
        [org.id, id],
      );
      if (!current) {
        throw contactNotFound(id);
      }
      const sets: string[] = [];
      const values: unknown[] = [];
      const set = (column: string, value: unknown, cast = ''): void => {
        sets.push(`${column} = ?${cast}`);
        values.push(value);
      };
      if (dto.email !== undefined) {
        set('email', dto.email);
      }
      if (dto.name !== undefined) {
        set('name', dto.name);
      }
      if (dto.attributes !== undefined) {
        set('attributes', JSON.stringify(mergeAttributes(current.attributes, dto.attributes)), '::jsonb');
      }
      if (dto.tags !== undefined) {
        set('tags', pgArray([...new Set(dto.tags)]), '::text[]');
      }
      if (dto.consentSource !== undefined) {
        set('consent_source', dto.consentSource);
      }
      if (dto.consentAt !== undefined) {
        set('consent_at', dto.consentAt);
      }
      if (dto.status !== undefined) {
        sets.push('status_changed_at = case when status <> ? then now() else status_changed_at end');
        values.push(dto.status);
        set('status', dto.status);
      }
      try {
        await em.execute(
          `update campaign_contacts set ${[...sets, 'updated_at = now()'].join(', ')} where organization_id = ? and id = ?`,
          [...values, org.id, id],
        );
      } catch (error) {
        throw error instanceof UniqueConstraintViolationException ? contactExists(dto.email ?? '') : error;
      }
      if (dto.listIds?.length) {
        await this.subscribe(em, org, id, dto.listIds);
      }
    });
    return this.get(org, id);
  }

  async remove(org: OrgContext, id: string): Promise<void> {
    const deleted = await this.em.execute<{ id: string }[]>(
      'delete from campaign_contacts where organization_id = ? and id = ? returning id',
      [org.id, id],
    );
    if (deleted.length === 0) {
      throw contactNotFound(id);
    }
  }

  /** One action on up to MAX_BULK contacts, in one transaction; ids of other organizations are not touched. */
  async bulk(org: OrgContext, dto: BulkContactsDto): Promise<BulkContactsResultDto> {
    return this.em.transactional(async (em) => {
      const ids = pgArray(dto.ids);
      // Validated only for the tag actions: read only there.
      const tags = (): string => pgArray(dto.tags ?? []);
      const mine = 'organization_id = ? and id = any(?::uuid[])';
      const run = async (sql: string, values: unknown[]): Promise<number> =>
        (await em.execute<{ id: string }[]>(`${sql} returning id`, values)).length;
      switch (dto.action) {
        case BulkContactAction.Delete:
          return { affected: await run(`delete from campaign_contacts where ${mine}`, [org.id, ids]) };
        case BulkContactAction.Tag:
          return {
            affected: await run(
              `update campaign_contacts set tags = array(select distinct unnest(tags || ?::text[])), updated_at = now()
               where ${mine} and not tags @> ?::text[]`,
              [tags(), org.id, ids, tags()],
            ),
          };
        case BulkContactAction.Untag:
          return {
            affected: await run(
              `update campaign_contacts set tags = array(select t from unnest(tags) t where t <> all(?::text[])),
               updated_at = now() where ${mine} and tags && ?::text[]`,
              [tags(), org.id, ids, tags()],
            ),
          };
        case BulkContactAction.Unsubscribe:
        case BulkContactAction.Resubscribe: {
          const [from, to] =
            dto.action === BulkContactAction.Unsubscribe
              ? [ContactStatus.Active, ContactStatus.Unsubscribed]
              : [ContactStatus.Unsubscribed, ContactStatus.Active];
          return {
            affected: await run(
              `update campaign_contacts set status = ?, status_changed_at = now(), updated_at = now()
               where ${mine} and status = ?`,
              [to, org.id, ids, from],
            ),
          };
        }
        case BulkContactAction.AddToList:
        case BulkContactAction.RemoveFromList: {
          const [list] = await em.execute<{ id: string; double_opt_in: boolean }[]>(
            'select id, double_opt_in from campaign_lists where organization_id = ? and id = ?',
            [org.id, dto.listId],
          );
          if (!list) {
            throw new CampaignError(CampaignErrorCode.ListNotFound, `List ${dto.listId} not found`, {
              field: 'listId',
            });
          }
          if (dto.action === BulkContactAction.RemoveFromList) {
            return {
              affected: await run(
                `delete from campaign_list_subscriptions where list_id = ? and contact_id in
                 (select id from campaign_contacts where ${mine})`,
                [list.id, org.id, ids],
              ),
            };
          }
          return { affected: (await subscribeContacts(em, list, org.id, dto.ids)).added };
        }
      }
    });
  }
}
