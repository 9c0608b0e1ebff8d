/**
 * A member's role in an organization. Declared on the platform because `AuthUser` carries the role an API key
 * acts with; the organizations domain stores it (`Membership.role`) and re-exports it.
 */
export enum OrgRole {
  Owner = 'owner',
  Admin = 'admin',
  Member = 'member',
}
