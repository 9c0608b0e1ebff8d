import { defineDomain } from 'src/common/domain/domain-definition';
import { Contact } from './contact.entity';
import { ContactList, ListSubscription } from './contact-list.entity';
import { Suppression } from './suppression.entity';
import { CampaignError } from './campaigns.errors';

export enum CampaignPermission {
  Manage = 'campaigns.manage',
}

export const campaignsDomain = defineDomain({
  name: 'campaigns',
  summary: 'Email campaigns: contacts, lists and the suppression list',
  entities: [Contact, ContactList, ListSubscription, Suppression],
  errors: [CampaignError],
  permissions: {
    [CampaignPermission.Manage]: {
      description: 'Manage contacts, lists and suppressions of the organization',
      roles: ['admin'],
    },
  },
  personalData: {
    none: "Contacts are the organization's audience, not accounts of this instance; they are not tied to a user",
  },
});
