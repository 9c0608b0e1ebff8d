import { UsersPersonalData } from './users.personal-data';
import { Module } from '@nestjs/common';
import { AuditService } from './audit.service';
import { QuotaService } from './quota.service';
import { UsersService } from './users.service';

/** Accounts, the audit log and per-user quotas. Used by auth and admin; knows nothing of sessions. */
@Module({
  providers: [UsersPersonalData, UsersService, AuditService, QuotaService],
  exports: [UsersService, AuditService, QuotaService],
})
export class UsersModule {}
