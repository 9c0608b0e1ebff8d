import type { OrgRole } from './org-role';

export enum Role {
  Admin = 'admin',
  User = 'user',
  Guest = 'guest',
}

/** The authenticated caller, as the guards resolve it from an access token. */
export interface AuthUser {
  id: string;
  role: Role;
  sessionId: string;
  /** This session passed a second factor (TOTP or recovery code) at login. */
  mfa: boolean;
  /**
   * Set when an organization API key authenticated the request: then `id` is the key's creator and `role` their
   * current role in the key's organization (the key acts with its scopes, all of which that role grants).
   */
  apiKey?: { id: string; organizationId: string; scopes: string[]; role: OrgRole };
}
