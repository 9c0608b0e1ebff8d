import { Entity, Enum, Index, ManyToOne, Property, Unique, type Rel } from '@mikro-orm/core';
import { BaseEntity } from 'src/database/base.entity';
import { Organization } from 'src/modules/organizations/organization.entity';
import { Contact } from './contact.entity';

/** A static audience: contacts added to it by hand, by import or by subscribing. */
@Entity({ tableName: 'campaign_lists' })
@Unique({ properties: ['organization', 'name'] })
@Index({ properties: ['organization', 'createdAt', 'id'] })
export class ContactList extends BaseEntity<'doubleOptIn'> {
  @ManyToOne(() => Organization, { deleteRule: 'cascade' })
  organization!: Rel<Organization>;

  @Property({ type: 'string', length: 200 })
  name!: string;

  @Property({ type: 'string', length: 1000, nullable: true })
  description?: string;

  /** New subscriptions stay `pending` until the contact confirms through the signed link of a confirmation mail. */
  @Property({ type: 'boolean', default: false })
  doubleOptIn: boolean = false;
}

export enum SubscriptionStatus {
  Pending = 'pending',
  Confirmed = 'confirmed',
  Unsubscribed = 'unsubscribed',
}

/** A contact's membership of a list. */
@Entity({ tableName: 'campaign_list_subscriptions' })
@Unique({ properties: ['list', 'contact'] })
@Index({ properties: ['list', 'status', 'createdAt', 'id'] })
@Index({ properties: ['contact'] })
export class ListSubscription extends BaseEntity<'status'> {
  @ManyToOne(() => ContactList, { deleteRule: 'cascade' })
  list!: Rel<ContactList>;

  @ManyToOne(() => Contact, { deleteRule: 'cascade' })
  contact!: Rel<Contact>;

  @Enum({
    items: () => SubscriptionStatus,
    nativeEnumName: 'campaign_subscription_status',
    default: SubscriptionStatus.Confirmed,
  })
  status: SubscriptionStatus = SubscriptionStatus.Confirmed;

  @Property({ type: 'timestamptz', nullable: true })
  confirmedAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  unsubscribedAt?: Date;
}
