import { ArrayType, Entity, Enum, Index, ManyToOne, Property, Unique, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { Organization } from 'src/modules/organizations/organization.entity';

/** Whether campaigns may reach a contact: only `active` contacts are sent to. */
export enum ContactStatus {
  Active = 'active',
  Unsubscribed = 'unsubscribed',
  Bounced = 'bounced',
  Complained = 'complained',
}

/**
 * Someone an organization's campaigns write to: an email address (unique per organization, stored lower-cased, so
 * unique case-insensitively), a name, custom attributes and tags. Not an account of this instance.
 */
@Entity({ tableName: 'campaign_contacts' })
@Unique({ properties: ['organization', 'email'] })
@Index({ properties: ['organization', 'createdAt', 'id'] })
@Index({
  name: 'campaign_contacts_attributes_gin',
  expression:
    'create index "campaign_contacts_attributes_gin" on "campaign_contacts" using gin ("attributes" jsonb_path_ops)',
})
@Index({
  name: 'campaign_contacts_tags_gin',
  expression: 'create index "campaign_contacts_tags_gin" on "campaign_contacts" using gin ("tags")',
})
export class Contact extends BaseEntity<'attributes' | 'tags' | 'status'> {
  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  /** Lower-cased and trimmed. */
  @Property({ type: 'string', length: 320 })
  email!: string;

  @Property({ type: 'string', length: 200, nullable: true })
  name?: string;

  /** Custom fields for segments and merge tags, e.g. `{ "plan": "pro", "seats": 12 }`. */
  @Property({ type: 'jsonb', defaultRaw: `'{}'` })
  attributes: Record<string, unknown> = {};

  @Property({ type: ArrayType, defaultRaw: `'{}'` })
  tags: string[] = [];

  @Enum({ items: () => ContactStatus, nativeEnumName: 'campaign_contact_status', default: ContactStatus.Active })
  status: ContactStatus = ContactStatus.Active;

  /** Where consent was given (a form, an import, an API call) and when. */
  @Property({ type: 'string', length: 200, nullable: true })
  consentSource?: string;

  @Property({ type: 'timestamptz', nullable: true })
  consentAt?: Date;

  /** When the status last changed away from active. */
  @Property({ type: 'timestamptz', nullable: true })
  statusChangedAt?: Date;
}
