import { OrgRole } from './membership.entity';

/** Everything a member can be allowed to do in an organization. */
export enum Permission {
  OrgRead = 'org.read',
  OrgUpdate = 'org.update',
  MembersRead = 'members.read',
  MembersInvite = 'members.invite',
  MembersUpdateRole = 'members.update_role',
  MembersRemove = 'members.remove',
  ApiKeysManage = 'api_keys.manage',
  WebhooksManage = 'webhooks.manage',
  /** Connect one's own mailboxes and use them (read, search, send). */
  MailUse = 'mail.use',
  /** Take part in the organization's chat: conversations with other members, messages, search. */
  ChatUse = 'chat.use',
  /** Video meetings: schedule and host meetings, be invited, join (join tokens). */
  MeetingsUse = 'meetings.use',
}

/** The roles matrix: what each role may do. Owners may do everything; admins manage members; members read. */
export const ROLE_PERMISSIONS: Record<OrgRole, readonly Permission[]> = {
  [OrgRole.Owner]: Object.values(Permission),
  [OrgRole.Admin]: [
    Permission.OrgRead,
    Permission.OrgUpdate,
    Permission.MembersRead,
    Permission.MembersInvite,
    Permission.MembersUpdateRole,
    Permission.MembersRemove,
    Permission.ApiKeysManage,
    Permission.WebhooksManage,
    Permission.MailUse,
    Permission.ChatUse,
    Permission.MeetingsUse,
  ],
  [OrgRole.Member]: [
    Permission.OrgRead,
    Permission.MembersRead,
    Permission.MailUse,
    Permission.ChatUse,
    Permission.MeetingsUse,
  ],
};

/** Roles ordered by rank: a member may only act on members of a lower rank (owners on everyone). */
export const ROLE_RANK: Record<OrgRole, number> = { [OrgRole.Owner]: 3, [OrgRole.Admin]: 2, [OrgRole.Member]: 1 };

export function can(role: OrgRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
