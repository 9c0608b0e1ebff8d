import { NotificationsPersonalData } from './notifications.personal-data';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { AuthModule } from 'src/modules/auth/auth.module';
import { OrganizationsModule } from 'src/modules/organizations/organizations.module';
import { Notification } from './notification.entity';
import { NotificationsGateway } from './notifications.gateway';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';

/**
 * In-app notifications: the per-user list, its read state, and the `/notifications` namespace (each socket in its
 * user's and session's rooms, subscribing to its organizations) that carries `notification.*` and other user events.
 */
@Module({
  imports: [MikroOrmModule.forFeature([Notification]), AuthModule, OrganizationsModule],
  controllers: [NotificationsController],
  providers: [NotificationsPersonalData, NotificationsService, NotificationsGateway],
  exports: [NotificationsService],
})
export class NotificationsModule {}
