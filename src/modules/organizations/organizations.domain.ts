import { defineDomain } from 'src/common/domain/domain-definition';
import { ApiKey } from './api-key.entity';
import { Invitation } from './invitation.entity';
import { Membership } from './membership.entity';
import { OrgUsage } from './org-usage.entity';
import { Organization } from './organization.entity';
import { ORG_PERMISSIONS } from './organizations.permissions';
import { OrgError } from './organizations.errors';

export const organizationsDomain = defineDomain({
  name: 'organizations',
  summary: 'Organizations, members and roles, invitations, plans and usage, API keys, the IP allowlist',
  entities: [Organization, Membership, Invitation, OrgUsage, ApiKey],
  errors: [OrgError],
  permissions: ORG_PERMISSIONS,
  webhookEvents: {
    'organization.updated': 'The organization name, slug or plan changed',
    'member.joined': 'A user joined the organization (invitation accepted)',
    'member.role_changed': "A member's role changed",
    'member.removed': 'A member was removed by an admin or owner',
    'member.left': 'A member left the organization',
    'invitation.created': 'An invitation was sent',
    'invitation.accepted': 'An invitation was accepted',
    'invitation.revoked': 'An invitation was revoked',
    'api_key.created': 'An API key was created (the key itself is never sent)',
    'api_key.revoked': 'An API key was revoked',
  },
  personalData: {
    exportSections: {
      organizations: 'Organizations the account belongs to, with its role',
      invitationsSent: 'Invitations this account sent',
      apiKeysCreated: 'API keys this account created (prefix and scopes; secrets are never stored)',
    },
  },
});
