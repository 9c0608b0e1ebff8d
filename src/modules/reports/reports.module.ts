import { OrganizationsModule } from 'src/modules/organizations/organizations.module';
import { ReportsPersonalData } from './reports.personal-data';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { ChatModule } from 'src/modules/chat/chat.module';
import { AdminReportsController } from './admin-reports.controller';
import { ReportEvent } from './report-event.entity';
import { Report } from './report.entity';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

/** Reports of chat messages, users and bugs by users, and their moderation by platform admins. */
@Module({
  imports: [MikroOrmModule.forFeature([Report, ReportEvent]), ChatModule, OrganizationsModule],
  controllers: [ReportsController, AdminReportsController],
  providers: [ReportsPersonalData, ReportsService],
})
export class ReportsModule {}
