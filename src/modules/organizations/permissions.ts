import { PERMISSIONS } from 'src/domains';
import { OrgRole } from './membership.entity';

/**
 * A permission name (`mail.use`, `members.invite`…). Each domain declares its own permissions with the roles that
 * hold them in its definition (`permissions` of `src/modules/<domain>/<domain>.domain.ts`); this file turns them
 * into the roles matrix.
 */
export type Permission = string;

/** Every permission, in API order. */
export const ALL_PERMISSIONS: readonly Permission[] = Object.keys(PERMISSIONS);

/** The roles matrix: what each role may do. Owners may do everything; admins manage members; members read. */
export const ROLE_PERMISSIONS: Record<OrgRole, readonly Permission[]> = {
  [OrgRole.Owner]: ALL_PERMISSIONS,
  [OrgRole.Admin]: ALL_PERMISSIONS.filter((name) => PERMISSIONS[name].roles.includes('admin')),
  [OrgRole.Member]: ALL_PERMISSIONS.filter((name) => PERMISSIONS[name].roles.includes('member')),
};

/** Roles ordered by rank: a member may only act on members of a lower rank (owners on everyone). */
export const ROLE_RANK: Record<OrgRole, number> = { [OrgRole.Owner]: 3, [OrgRole.Admin]: 2, [OrgRole.Member]: 1 };

export function isPermission(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(PERMISSIONS, name);
}

export function can(role: OrgRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
