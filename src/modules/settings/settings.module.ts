import { SettingsPersonalData } from './settings.personal-data';
import { Module } from '@nestjs/common';
import { AuthModule } from 'src/modules/auth/auth.module';
import { OrganizationsModule } from 'src/modules/organizations/organizations.module';
import { UsersModule } from 'src/modules/users/users.module';
import { AccountDeletionService } from './account-deletion.service';
import { DataExportService } from './data-export.service';
import { UserSettingsController } from './settings.controller';
import { SettingsProcessor } from './settings.processor';
import { SettingsService } from './settings.service';

/** The user's own settings: profile, notification preferences, data export, account deletion. */
@Module({
  imports: [UsersModule, AuthModule, OrganizationsModule],
  controllers: [UserSettingsController],
  providers: [SettingsPersonalData, SettingsService, DataExportService, AccountDeletionService, SettingsProcessor],
  exports: [SettingsService],
})
export class SettingsModule {}
