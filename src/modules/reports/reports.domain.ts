import { defineDomain } from 'src/common/domain/domain-definition';
import { ReportEvent } from './report-event.entity';
import { Report } from './report.entity';
import { ReportError } from './reports.errors';

export const reportsDomain = defineDomain({
  name: 'reports',
  summary: 'Reports of abusive content or behaviour, and their moderation by admins',
  entities: [Report, ReportEvent],
  errors: [ReportError],
  personalData: { exportSections: { reports: 'Reports this account filed, with their status' } },
});
