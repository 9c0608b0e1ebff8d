import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Membership } from './membership.entity';
import { Organization, type Plan } from './organization.entity';
import { OrgError, OrgErrorCode } from './organizations.errors';
import { Feature, PLANS, QuotaKey } from './plans';

/** Quotas counted by a usage counter (the others are counts of rows, checked under the organization's lock). */
const MONTHLY: ReadonlySet<QuotaKey> = new Set([QuotaKey.CampaignSendsPerMonth]);
const COUNTED: ReadonlySet<QuotaKey> = new Set([QuotaKey.StorageMb, QuotaKey.CampaignSendsPerMonth]);

export interface QuotaUsageRow {
  key: QuotaKey;
  limit: number;
  used: number;
  period: string;
}

function periodOf(key: QuotaKey, at = new Date()): string {
  return MONTHLY.has(key) ? at.toISOString().slice(0, 7) : 'total';
}

export function quotaExceeded(key: QuotaKey, limit: number, used: number, plan: string): OrgError {
  return new OrgError(
    OrgErrorCode.QuotaExceeded,
    `Quota "${key}" of the ${plan} plan reached: ${used} of ${limit} used; upgrade the plan to go further`,
    { quota: key, limit, used, plan },
  );
}

/** 403 ORG_FEATURE_NOT_IN_PLAN unless `plan` includes `feature`. */
export function assertPlanIncludes(plan: Plan, feature: Feature): void {
  if (!PLANS[plan].features.includes(feature)) {
    throw new OrgError(OrgErrorCode.FeatureNotInPlan, `The ${plan} plan does not include ${feature}`, {
      feature,
      plan,
    });
  }
}

/**
 * Plans in force: features and quotas. Counters (`consume`) move with one conditional upsert, so concurrent
 * requests never exceed a limit; row-count quotas (members, mail accounts) are checked by their owners under the
 * organization's row lock.
 */
@Injectable()
export class UsageService {
  constructor(private readonly em: EntityManager) {}

  async assertFeature(organizationId: string, feature: Feature): Promise<void> {
    const org = await this.em.fork().findOneOrFail(Organization, organizationId, { fields: ['plan'] });
    assertPlanIncludes(org.plan, feature);
  }

  /** Adds `amount` to a counted quota, or throws 403 ORG_QUOTA_EXCEEDED and changes nothing. */
  async consume(organizationId: string, key: QuotaKey, amount: number): Promise<void> {
    const org = await this.em.fork().findOneOrFail(Organization, organizationId, { fields: ['plan'] });
    const limit = PLANS[org.plan].quotas[key];
    const period = periodOf(key);
    const rows = await this.em.getConnection().execute<{ used: string }[]>(
      `insert into org_usage (organization_id, key, period, used) values (?, ?, ?, ?)
       on conflict (organization_id, key, period) do update set used = org_usage.used + excluded.used
       where org_usage.used + excluded.used <= ?
       returning used`,
      [organizationId, key, period, amount, limit],
    );
    if (rows.length === 0 || Number(rows[0].used) > limit) {
      const [current] = await this.em
        .getConnection()
        .execute<{ used: string }[]>(
          'select used from org_usage where organization_id = ? and key = ? and period = ?',
          [organizationId, key, period],
        );
      throw quotaExceeded(key, limit, Number(current?.used ?? 0), org.plan);
    }
  }

  async usage(organizationId: string): Promise<{ plan: string; features: Feature[]; quotas: QuotaUsageRow[] }> {
    const em = this.em.fork();
    const org = await em.findOneOrFail(Organization, organizationId);
    const plan = PLANS[org.plan];
    const members = await em.count(Membership, { organization: organizationId });
    const counters = await em
      .getConnection()
      .execute<{ key: string; period: string; used: string }[]>(
        'select key, period, used from org_usage where organization_id = ?',
        [organizationId],
      );
    const quotas = Object.values(QuotaKey).map((key) => {
      const period = periodOf(key);
      const counted = counters.find((c) => c.key === String(key) && c.period === period);
      const used = key === QuotaKey.Members ? members : COUNTED.has(key) ? Number(counted?.used ?? 0) : 0;
      return { key, limit: plan.quotas[key], used, period };
    });
    return { plan: org.plan, features: [...plan.features], quotas };
  }

  /** For row-count quotas: throws when `current` already reaches the plan's limit. */
  assertRoom(org: Organization, key: QuotaKey, current: number): void {
    const limit = PLANS[org.plan].quotas[key];
    if (current >= limit) {
      throw quotaExceeded(key, limit, current, org.plan);
    }
  }
}
