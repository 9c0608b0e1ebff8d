import { Plan } from './organization.entity';

/** Features a plan may switch on. */
export enum Feature {
  Campaigns = 'campaigns',
  Meetings = 'meetings',
  Analysis = 'analysis',
  Webhooks = 'webhooks',
  ApiKeys = 'api_keys',
  CustomBranding = 'custom_branding',
}

/** Numeric limits of a plan. `members` and `mail_accounts` cap a count; the others a monthly or total usage. */
export enum QuotaKey {
  Members = 'members',
  MailAccounts = 'mail_accounts',
  CampaignSendsPerMonth = 'campaign_sends_per_month',
  StorageMb = 'storage_mb',
}

/** Rates of a plan: how fast, not how much. */
export enum RateKey {
  /** Requests each API key of the organization may make per minute (`429 ORG_API_KEY_RATE_LIMITED` beyond). */
  ApiRequestsPerMinute = 'api_requests_per_minute',
}

export interface PlanDefinition {
  features: readonly Feature[];
  quotas: Record<QuotaKey, number>;
  rates: Record<RateKey, number>;
}

/** The one place plans are defined. */
export const PLANS: Record<Plan, PlanDefinition> = {
  [Plan.Free]: {
    features: [Feature.Meetings],
    quotas: {
      [QuotaKey.Members]: 5,
      [QuotaKey.MailAccounts]: 2,
      [QuotaKey.CampaignSendsPerMonth]: 1_000,
      [QuotaKey.StorageMb]: 1_024,
    },
    rates: { [RateKey.ApiRequestsPerMinute]: 60 },
  },
  [Plan.Pro]: {
    features: [Feature.Meetings, Feature.Campaigns, Feature.Analysis, Feature.Webhooks, Feature.ApiKeys],
    quotas: {
      [QuotaKey.Members]: 50,
      [QuotaKey.MailAccounts]: 50,
      [QuotaKey.CampaignSendsPerMonth]: 100_000,
      [QuotaKey.StorageMb]: 51_200,
    },
    rates: { [RateKey.ApiRequestsPerMinute]: 600 },
  },
  [Plan.Enterprise]: {
    features: Object.values(Feature),
    quotas: {
      [QuotaKey.Members]: 10_000,
      [QuotaKey.MailAccounts]: 10_000,
      [QuotaKey.CampaignSendsPerMonth]: 10_000_000,
      [QuotaKey.StorageMb]: 1_048_576,
    },
    rates: { [RateKey.ApiRequestsPerMinute]: 6_000 },
  },
};
