import { OrganizationsPersonalData } from './organizations.personal-data';
import { Module } from '@nestjs/common';
import { UsersModule } from 'src/modules/users/users.module';
import { ApiKeysService } from './api-keys.service';
import { BootstrapService } from './bootstrap.service';
import { InvitationsService } from './invitations.service';
import { SettingsController } from './settings.controller';
import { UsageService } from './usage.service';
import { OrganizationsController, TeamController } from './organizations.controller';
import { OrganizationsService } from './organizations.service';
import { StandingCache } from './standing-cache';

/** Tenancy: organizations, members and roles; its OrganizationGuard (installed by AppModule) resolves X-Organization-Id for every module. */
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
    StandingCache,
  ],
  exports: [OrganizationsService, UsageService, ApiKeysService],
})
export class OrganizationsModule {}
