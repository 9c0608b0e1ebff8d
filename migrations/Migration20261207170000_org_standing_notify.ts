import { Migration } from '@mikro-orm/migrations';

/**
 * Tells every node when a member's standing changes, whatever changes it: `pg_notify('org_standing', …)` with
 * `organization:user` when a membership's role changes or it is deleted, `organization:*` when an organization's
 * plan or IP allowlist changes or it is deleted (src/modules/organizations/standing-cache.ts). A new membership
 * needs no notice: only existing memberships are cached.
 */
export class Migration20261207170000_org_standing_notify extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function notify_membership_standing() returns trigger language plpgsql as $$
begin
  perform pg_notify('org_standing', old.organization_id::text || ':' || old.user_id::text);
  return null;
end $$;`);
    this.addSql(`create trigger memberships_standing_changed after update of role or delete on memberships
  for each row execute function notify_membership_standing();`);
    this.addSql(`create function notify_organization_standing() returns trigger language plpgsql as $$
begin
  perform pg_notify('org_standing', old.id::text || ':*');
  return null;
end $$;`);
    this.addSql(`create trigger organizations_standing_changed
  after update of plan, ip_allowlist, ip_allowlist_applies_to_members or delete on organizations
  for each row execute function notify_organization_standing();`);
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger organizations_standing_changed on organizations;');
    this.addSql('drop function notify_organization_standing();');
    this.addSql('drop trigger memberships_standing_changed on memberships;');
    this.addSql('drop function notify_membership_standing();');
  }
}
