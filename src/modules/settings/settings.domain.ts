import { defineDomain } from 'src/common/domain/domain-definition';
import { DataExport } from './data-export.entity';
import { SettingsError } from './settings.errors';
import { ACCOUNT_QUEUE_DEFINITION } from './settings.jobs';

export const settingsDomain = defineDomain({
  name: 'settings',
  summary: 'Profile and preferences, data export, account deletion with a grace period',
  entities: [DataExport],
  errors: [SettingsError],
  queues: [ACCOUNT_QUEUE_DEFINITION],
  personalData: { exportSections: { dataExports: 'Earlier data exports of this account (when, state)' } },
});
