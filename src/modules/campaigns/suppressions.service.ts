import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { isoTimestamp, likeContains, selectRows } from 'src/database/select-rows';
import type { OrgContext } from 'src/modules/organizations/organization.decorators';
import { SuppressionReason } from './suppression.entity';
import { CreateSuppressionDto, SuppressionDto, SuppressionPageDto, SuppressionQueryDto } from './campaigns.dto';
import { CampaignError, CampaignErrorCode } from './campaigns.errors';

interface SuppressionRow {
  id: string;
  email: string;
  reason: SuppressionReason;
  note: string | null;
  created_at: string | Date;
}

const COLUMNS = 'id, email, reason, note, created_at';

const toDto = (row: SuppressionRow): SuppressionDto => ({
  id: row.id,
  email: row.email,
  reason: row.reason,
  note: row.note,
  createdAt: isoTimestamp(row.created_at),
});

/** The organization's suppression list: addresses no campaign writes to, contacts or not. */
@Injectable()
export class SuppressionsService {
  constructor(private readonly em: EntityManager) {}

  async create(org: OrgContext, dto: CreateSuppressionDto): Promise<SuppressionDto> {
    try {
      const [row] = await this.em.execute<SuppressionRow[]>(
        `insert into campaign_suppressions (id, organization_id, email, reason, note)
         values (gen_random_uuid(), ?, ?, ?, ?) returning ${COLUMNS}`,
        [org.id, dto.email, dto.reason ?? SuppressionReason.Manual, dto.note ?? null],
      );
      return toDto(row);
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw new CampaignError(CampaignErrorCode.SuppressionExists, `${dto.email} is suppressed already`, {
          field: 'email',
        });
      }
      throw error;
    }
  }

  async list(org: OrgContext, query: SuppressionQueryDto): Promise<SuppressionPageDto> {
    const where = query.q ? 'organization_id = ? and email ilike ?' : 'organization_id = ?';
    const values = query.q ? [org.id, likeContains(query.q)] : [org.id];
    const [rows, [count]] = await Promise.all([
      selectRows<SuppressionRow>(
        this.em,
        `select ${COLUMNS} from campaign_suppressions where ${where} order by created_at desc, id desc limit ? offset ?`,
        [...values, query.limit, query.offset],
      ),
      selectRows<{ total: number }>(
        this.em,
        `select count(*)::int as total from campaign_suppressions where ${where}`,
        values,
      ),
    ]);
    return { items: rows.map(toDto), total: count.total, limit: query.limit, offset: query.offset };
  }

  async remove(org: OrgContext, id: string): Promise<void> {
    const deleted = await this.em.execute<{ id: string }[]>(
      'delete from campaign_suppressions where organization_id = ? and id = ? returning id',
      [org.id, id],
    );
    if (deleted.length === 0) {
      throw new CampaignError(CampaignErrorCode.SuppressionNotFound, `Suppression ${id} not found`);
    }
  }
}
