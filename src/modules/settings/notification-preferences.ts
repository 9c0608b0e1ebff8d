/** What a user can be notified about. Modules that notify ask `NotificationPreferences.allows()` first. */
export enum NotificationCategory {
  /** Sign-ins from new devices, password and 2FA changes, account deletion. Email cannot be turned off. */
  Security = 'security',
  /** Invitations, membership and role changes, plan limits. */
  Organization = 'organization',
  Mail = 'mail',
  Chat = 'chat',
  Meetings = 'meetings',
  Campaigns = 'campaigns',
}

export enum NotificationChannel {
  Email = 'email',
  /** Realtime events and the in-app notification list. */
  InApp = 'inApp',
}

export enum DigestFrequency {
  Off = 'off',
  Daily = 'daily',
  Weekly = 'weekly',
}

export type ChannelChoices = Record<NotificationChannel, boolean>;

export interface NotificationPreferences {
  categories: Record<NotificationCategory, ChannelChoices>;
  digest: DigestFrequency;
}

export const DEFAULT_NOTIFICATION_PREFERENCES: NotificationPreferences = {
  categories: {
    [NotificationCategory.Security]: { email: true, inApp: true },
    [NotificationCategory.Organization]: { email: true, inApp: true },
    [NotificationCategory.Mail]: { email: false, inApp: true },
    [NotificationCategory.Chat]: { email: false, inApp: true },
    [NotificationCategory.Meetings]: { email: true, inApp: true },
    [NotificationCategory.Campaigns]: { email: true, inApp: true },
  },
  digest: DigestFrequency.Off,
};

/** Stored choices laid over the defaults: categories added later get their defaults, unknown keys are dropped. */
export function resolvePreferences(stored: unknown): NotificationPreferences {
  const saved = (stored ?? {}) as Partial<{ categories: Record<string, Partial<ChannelChoices>>; digest: string }>;
  const categories = Object.fromEntries(
    Object.values(NotificationCategory).map((category) => {
      const defaults = DEFAULT_NOTIFICATION_PREFERENCES.categories[category];
      const choice = saved.categories?.[category] ?? {};
      return [
        category,
        {
          email: typeof choice.email === 'boolean' ? choice.email : defaults.email,
          inApp: typeof choice.inApp === 'boolean' ? choice.inApp : defaults.inApp,
        },
      ];
    }),
  ) as Record<NotificationCategory, ChannelChoices>;
  categories[NotificationCategory.Security].email = true;
  const digest = Object.values(DigestFrequency).includes(saved.digest as DigestFrequency)
    ? (saved.digest as DigestFrequency)
    : DEFAULT_NOTIFICATION_PREFERENCES.digest;
  return { categories, digest };
}
