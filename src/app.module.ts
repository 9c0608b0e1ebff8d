import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AllExceptionsFilter } from 'src/common/filters/all-exceptions.filter';
import { loggerParams } from 'src/common/logging/logging';
import { RateLimitModule } from 'src/common/rate-limit/rate-limit.module';
import { createValidationPipe } from 'src/common/http/validation';
import { AppConfigService } from 'src/config/app-config.service';
import { ConfigModule } from 'src/config/config.module';
import { EnvSchema } from 'src/config/env.schema';
import { createOrmConfig } from 'src/database/mikro-orm.config';
import { AdminModule } from 'src/modules/admin/admin.module';
import { AuthModule } from 'src/modules/auth/auth.module';
import { ChatModule } from 'src/modules/chat/chat.module';
import { HealthModule } from 'src/modules/health/health.module';
import { MailerModule } from 'src/modules/mailer/mailer.module';
import { MeetingsModule } from 'src/modules/meetings/meetings.module';
import { MetricsModule } from 'src/modules/metrics/metrics.module';
import { NotificationsModule } from 'src/modules/notifications/notifications.module';
import { OrganizationsModule } from 'src/modules/organizations/organizations.module';
import { ReportsModule } from 'src/modules/reports/reports.module';
import { MailModule } from 'src/modules/mail/mail.module';
import { SettingsModule } from 'src/modules/settings/settings.module';
import { WebhooksModule } from 'src/modules/webhooks/webhooks.module';
import { SystemModule } from 'src/modules/system/system.module';
import { UsersModule } from 'src/modules/users/users.module';
import { QueueModule } from 'src/queue/queue.module';
import { ENTITIES, QUEUES, REALTIME_NAMESPACES } from 'src/domains';
import { RealtimeModule } from 'src/realtime/realtime.module';
import { DomainEventsModule } from 'src/common/events/domain-events.module';
import { RedisModule } from 'src/redis/redis.module';

/** Fresh module descriptors for each application instance (tests run several in one process). */
const modules = (): DynamicModule['imports'] => [
  LoggerModule.forRootAsync({
    inject: [AppConfigService],
    useFactory: (config: AppConfigService) => loggerParams(config.log.level, config.log.pretty),
  }),
  MikroOrmModule.forRootAsync({
    driver: PostgreSqlDriver,
    inject: [AppConfigService],
    useFactory: (config: AppConfigService) =>
      createOrmConfig({ url: config.db.url, poolMax: config.db.poolMax, entities: ENTITIES }),
  }),
  RedisModule,
  QueueModule.forRoot(QUEUES),
  RateLimitModule,
  MetricsModule,
  HealthModule,
  MailerModule,
  SystemModule,
  UsersModule,
  AuthModule,
  AdminModule,
  OrganizationsModule,
  WebhooksModule,
  SettingsModule,
  MailModule,
  NotificationsModule,
  ChatModule,
  ReportsModule,
  MeetingsModule,
  RealtimeModule.forRoot(REALTIME_NAMESPACES),
  DomainEventsModule,
];

/**
 * The whole application. The same module graph serves every role: `APP_ROLE` decides whether main.ts listens
 * for HTTP and whether `QueueWorkersService` starts the BullMQ workers.
 */
@Module({})
export class AppModule {
  /** `extra` lets the tests mount fixture modules beside the real ones. */
  static forRoot(env: EnvSchema, extra: NonNullable<DynamicModule['imports']> = []): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(env), ...(modules() ?? []), ...extra],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
