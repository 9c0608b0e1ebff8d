import type { PermissionDefinition } from 'src/common/domain/domain-definition';

/** What a member may do in the organization itself (the roles matrix is in `permissions.ts`). */
export enum OrgPermission {
  OrgRead = 'org.read',
  OrgUpdate = 'org.update',
  MembersRead = 'members.read',
  MembersInvite = 'members.invite',
  MembersUpdateRole = 'members.update_role',
  MembersRemove = 'members.remove',
  ApiKeysManage = 'api_keys.manage',
}

export const ORG_PERMISSIONS: Record<OrgPermission, PermissionDefinition> = {
  [OrgPermission.OrgRead]: { description: 'See the organization, its plan and usage', roles: ['admin', 'member'] },
  [OrgPermission.OrgUpdate]: { description: 'Rename the organization, change its settings', roles: ['admin'] },
  [OrgPermission.MembersRead]: { description: 'List members and their roles', roles: ['admin', 'member'] },
  [OrgPermission.MembersInvite]: { description: 'Invite people, revoke invitations', roles: ['admin'] },
  [OrgPermission.MembersUpdateRole]: { description: "Change a lower-ranked member's role", roles: ['admin'] },
  [OrgPermission.MembersRemove]: { description: 'Remove a lower-ranked member', roles: ['admin'] },
  [OrgPermission.ApiKeysManage]: { description: 'Create, list and revoke API keys', roles: ['admin'] },
};
