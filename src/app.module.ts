import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import type { Provider } from '@nestjs/common';
import { AllExceptionsFilter } from 'src/common/filters/all-exceptions.filter';
import { ALL_HTTP_LAYERS, HttpLayer } from 'src/common/http/http-layers';
import { LoggingModule } from 'src/common/logging/logging.module';
import { RateLimitGuard, RateLimitModule } from 'src/common/rate-limit/rate-limit.module';
import { createValidationPipe } from 'src/common/http/validation';
import { AppConfigService } from 'src/config/app-config.service';
import { ConfigModule } from 'src/config/config.module';
import { EnvSchema } from 'src/config/env.schema';
import { createOrmConfig } from 'src/database/mikro-orm.config';
import { AdminModule } from 'src/modules/admin/admin.module';
import { AuthGuard } from 'src/modules/auth/auth.guard';
import { AuthModule } from 'src/modules/auth/auth.module';
import { CampaignsModule } from 'src/modules/campaigns/campaigns.module';
import { ChatModule } from 'src/modules/chat/chat.module';
import { HealthModule } from 'src/modules/health/health.module';
import { MailerModule } from 'src/modules/mailer/mailer.module';
import { MeetingsModule } from 'src/modules/meetings/meetings.module';
import { MetricsModule } from 'src/modules/metrics/metrics.module';
import { NotificationsModule } from 'src/modules/notifications/notifications.module';
import { OrganizationGuard } from 'src/modules/organizations/organization.guard';
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
  LoggingModule,
  MikroOrmModule.forRootAsync({
    driver: PostgreSqlDriver,
    inject: [AppConfigService],
    useFactory: (config: AppConfigService) => ({
      ...createOrmConfig({ url: config.db.url, poolMax: config.db.poolMax, entities: ENTITIES }),
      // createHttpApp enters each request's context in a Fastify hook instead of a Nest middleware.
      registerRequestContext: false,
    }),
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
  CampaignsModule,
  RealtimeModule.forRoot(REALTIME_NAMESPACES),
  DomainEventsModule,
];

/** The global guards and pipe of the request pipeline, in the order they run. */
function requestLayers(layers: readonly HttpLayer[]): Provider[] {
  const has = new Set(layers);
  return [
    ...(has.has(HttpLayer.RateLimit) ? [{ provide: APP_GUARD, useExisting: RateLimitGuard }] : []),
    ...(has.has(HttpLayer.Auth) ? [{ provide: APP_GUARD, useClass: AuthGuard }] : []),
    ...(has.has(HttpLayer.Organization) ? [{ provide: APP_GUARD, useClass: OrganizationGuard }] : []),
    ...(has.has(HttpLayer.Validation) ? [{ provide: APP_PIPE, useFactory: createValidationPipe }] : []),
  ];
}

/**
 * The whole application. The same module graph serves every role: `APP_ROLE` decides whether main.ts listens
 * for HTTP and whether `QueueWorkersService` starts the BullMQ workers.
 */
@Module({})
export class AppModule {
  /**
   * `extra` lets the tests mount fixture modules beside the real ones; `layers` is every request layer except in
   * `npm run bench:pipeline`.
   */
  static forRoot(
    env: EnvSchema,
    extra: NonNullable<DynamicModule['imports']> = [],
    layers: readonly HttpLayer[] = ALL_HTTP_LAYERS,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(env), ...(modules() ?? []), ...extra],
      providers: [...requestLayers(layers), { provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
