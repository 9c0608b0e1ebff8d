import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

export enum AuditEventType {
  Registered = 'user.registered',
  LoginSucceeded = 'auth.login_succeeded',
  LoginFailed = 'auth.login_failed',
  AccountLocked = 'auth.account_locked',
  AccountUnlocked = 'auth.account_unlocked',
  RefreshReused = 'auth.refresh_reused',
  Logout = 'auth.logout',
  LogoutAll = 'auth.logout_all',
  SessionRevoked = 'auth.session_revoked',
  PasswordChanged = 'auth.password_changed',
  PasswordResetRequested = 'auth.password_reset_requested',
  PasswordReset = 'auth.password_reset',
  EmailVerified = 'auth.email_verified',
  TwoFactorEnabled = 'auth.2fa_enabled',
  TwoFactorDisabled = 'auth.2fa_disabled',
  RecoveryCodeUsed = 'auth.2fa_recovery_code_used',
  GuestCreated = 'auth.guest_created',
  GuestUpgraded = 'auth.guest_upgraded',
  UserCreated = 'admin.user_created',
  UserDisabled = 'admin.user_disabled',
  UserEnabled = 'admin.user_enabled',
  UserDeleted = 'admin.user_deleted',
  RoleChanged = 'admin.role_changed',
  DataExportRequested = 'settings.data_export_requested',
  AccountDeletionRequested = 'settings.account_deletion_requested',
  AccountDeletionCancelled = 'settings.account_deletion_cancelled',
  AccountDeleted = 'settings.account_deleted',
}

/** Append-only record of a security event. Subjects are kept as ids (no foreign key) so history survives deletion. */
@Entity({ tableName: 'audit_events' })
@Index({ properties: ['createdAt'] })
@Index({ properties: ['subjectId', 'createdAt'] })
@Index({ properties: ['type', 'createdAt'] })
export class AuditEvent {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => AuditEventType, nativeEnumName: 'audit_event_type' })
  type!: AuditEventType;

  /** Who did it (null: anonymous, e.g. a failed login for an unknown account). */
  @Property({ type: 'uuid', nullable: true })
  actorId?: string;

  /** Whom it concerns. */
  @Property({ type: 'uuid', nullable: true })
  subjectId?: string;

  @Property({ type: 'string', length: 64, nullable: true })
  ip?: string;

  @Property({ type: 'string', length: 512, nullable: true })
  userAgent?: string;

  @Property({ type: 'jsonb', nullable: true })
  metadata?: Record<string, unknown>;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
