import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthUser } from 'src/common/auth/auth-user';
import { definedOnly } from 'src/common/http/defined';
import { User } from 'src/modules/users/user.entity';
import { UsersService } from 'src/modules/users/users.service';
import {
  NotificationCategory,
  NotificationChannel,
  NotificationPreferences,
  resolvePreferences,
} from './notification-preferences';
import { ProfileDto, UpdateNotificationPreferencesDto, UpdateProfileDto } from './settings.dto';
import { SettingsError, SettingsErrorCode } from './settings.errors';

function toProfileDto(user: User): ProfileDto {
  return {
    id: user.id,
    username: user.username,
    email: user.email ?? null,
    displayName: user.displayName ?? null,
    timeZone: user.timeZone,
    locale: user.locale,
    deletionDueAt: user.deletionDueAt?.toISOString() ?? null,
  };
}

/** The user's own settings: profile (name, time zone, language) and notification preferences. */
@Injectable()
export class SettingsService {
  constructor(
    private readonly em: EntityManager,
    private readonly users: UsersService,
  ) {}

  async profile(actor: AuthUser): Promise<ProfileDto> {
    return toProfileDto(await this.users.getById(actor.id));
  }

  async updateProfile(actor: AuthUser, dto: UpdateProfileDto): Promise<ProfileDto> {
    const user = await this.users.getById(actor.id);
    this.em.assign(user, definedOnly(dto));
    await this.em.flush();
    return toProfileDto(user);
  }

  async notifications(actor: AuthUser): Promise<NotificationPreferences> {
    return resolvePreferences((await this.users.getById(actor.id)).notificationPreferences);
  }

  /** Merges what is sent over the current choices. */
  async updateNotifications(actor: AuthUser, dto: UpdateNotificationPreferencesDto): Promise<NotificationPreferences> {
    if (dto.categories?.security?.email === false) {
      throw new SettingsError(SettingsErrorCode.SecurityEmailRequired, 'Security notices are always sent by email', {
        field: 'categories.security.email',
      });
    }
    const user = await this.users.getById(actor.id);
    const current = resolvePreferences(user.notificationPreferences);
    for (const category of Object.values(NotificationCategory)) {
      Object.assign(current.categories[category], definedOnly(dto.categories?.[category] ?? {}));
    }
    const next = resolvePreferences({ ...current, ...definedOnly({ digest: dto.digest }) });
    user.notificationPreferences = next as unknown as Record<string, unknown>;
    await this.em.flush();
    return next;
  }

  /** For modules that notify: may `userId` be told about `category` on `channel`? */
  async allows(userId: string, category: NotificationCategory, channel: NotificationChannel): Promise<boolean> {
    const user = await this.em.fork().findOne(User, userId, { fields: ['notificationPreferences'] });
    return user ? resolvePreferences(user.notificationPreferences).categories[category][channel] : false;
  }
}
