import { defineDomain } from 'src/common/domain/domain-definition';
import { AuditEvent } from './audit-event.entity';
import { UserQuota } from './user-quota.entity';
import { User } from './user.entity';
import { UserError } from './users.errors';

export const usersDomain = defineDomain({
  name: 'users',
  summary: 'User accounts, global roles, quotas and the audit log',
  entities: [User, UserQuota, AuditEvent],
  errors: [UserError],
  personalData: { exportSections: { securityEvents: 'The audit log entries about this account or made by it' } },
});
