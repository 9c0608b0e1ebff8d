import { OrganizationsPersonalData } from './organizations.personal-data';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { UsersModule } from 'src/modules/users/users.module';
import { ApiKeysService } from './api-keys.service';
import { BootstrapService } from './bootstrap.service';
import { InvitationsService } from './invitations.service';
import { SettingsController } from './settings.controller';
import { UsageService } from './usage.service';
import { OrganizationGuard } from './organization.guard';
import { OrganizationsController, TeamController } from './organizations.controller';
import { OrganizationsService } from './organizations.service';

/** Tenancy: organizations, members and roles; the OrganizationGuard resolves X-Organization-Id for every module. */
@Module({
  imports: [UsersModule],
  controllers: [OrganizationsController, TeamController, SettingsController],
  providers: [
    OrganizationsPersonalData,
    OrganizationsService,
    InvitationsService,
    UsageService,
    BootstrapService,
    ApiKeysService,
    { provide: APP_GUARD, useClass: OrganizationGuard },
  ],
  exports: [OrganizationsService, UsageService, ApiKeysService],
})
export class OrganizationsModule {}
