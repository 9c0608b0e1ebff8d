import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray } from 'src/database/pg-array';
import { SubscriptionStatus } from './contact-list.entity';

/**
 * Subscribes the organization's contacts among `contactIds` to `list` (ids of other organizations select nothing):
 * confirmed, or pending on a double opt-in list; contacts already on the list keep their subscription.
 */
export async function subscribeContacts(
  em: EntityManager,
  list: { id: string; double_opt_in: boolean },
  organizationId: string,
  contactIds: readonly string[],
): Promise<{ added: number; status: SubscriptionStatus }> {
  const status = list.double_opt_in ? SubscriptionStatus.Pending : SubscriptionStatus.Confirmed;
  const added = await em.execute<{ id: string }[]>(
    `insert into campaign_list_subscriptions (id, list_id, contact_id, status, confirmed_at)
     select gen_random_uuid(), ?, c.id, ?, case when ? = 'confirmed' then now() end
     from campaign_contacts c where c.organization_id = ? and c.id = any(?::uuid[])
     on conflict (list_id, contact_id) do nothing returning id`,
    [list.id, status, status, organizationId, pgArray(contactIds)],
  );
  return { added: added.length, status };
}
