import { defineDomain } from 'src/common/domain/domain-definition';
import { Notification } from './notification.entity';
import { NotificationError } from './notifications.errors';

export const notificationsDomain = defineDomain({
  name: 'notifications',
  summary: "A user's notification list, pushed live on the /notifications namespace",
  entities: [Notification],
  errors: [NotificationError],
  realtimeNamespaces: { '/notifications': 'Per-user and per-organization notifications' },
  personalData: { exportSections: { notifications: 'Notifications addressed to this account' } },
});
