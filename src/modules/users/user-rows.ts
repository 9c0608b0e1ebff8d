import type { Role } from 'src/common/auth/auth-user';
import { isoTimestamp } from 'src/database/select-rows';
import type { UserResponseDto } from './users.dto';

/**
 * The columns a `UserResponseDto` is made of. Reads that only answer with users (`GET /auth/me`, the admin's user
 * list) select these as plain rows: hydrating and tracking `User` entities cost more CPU than PostgreSQL spends on
 * the query (bench:api, bench:pipeline).
 */
export const USER_DTO_COLUMNS =
  'id, email, username, display_name, role, is_active, email_verified_at, two_factor_enabled_at, last_login_at, created_at';

export interface UserRow {
  id: string;
  email: string | null;
  username: string;
  display_name: string | null;
  role: Role;
  is_active: boolean;
  email_verified_at: Date | string | null;
  two_factor_enabled_at: Date | string | null;
  last_login_at: Date | string | null;
  created_at: Date | string;
}

export function userRowToDto(row: UserRow): UserResponseDto {
  return {
    id: row.id,
    email: row.email,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    isActive: row.is_active,
    emailVerified: row.email_verified_at !== null,
    twoFactorEnabled: row.two_factor_enabled_at !== null,
    lastLoginAt: row.last_login_at === null ? null : isoTimestamp(row.last_login_at),
    createdAt: isoTimestamp(row.created_at),
  };
}
