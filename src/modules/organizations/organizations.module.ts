import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { InvitationsService } from './invitations.service';
import { OrganizationGuard } from './organization.guard';
import { OrganizationsController, TeamController } from './organizations.controller';
import { OrganizationsService } from './organizations.service';

/** Tenancy: organizations, members and roles; the OrganizationGuard resolves X-Organization-Id for every module. */
@Module({
  controllers: [OrganizationsController, TeamController],
  providers: [OrganizationsService, InvitationsService, { provide: APP_GUARD, useClass: OrganizationGuard }],
  exports: [OrganizationsService],
})
export class OrganizationsModule {}
