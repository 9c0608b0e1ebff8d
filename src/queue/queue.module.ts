import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfigService } from 'src/config/app-config.service';
import { redisConnectionOptions } from 'src/redis/redis.options';
import { DEFAULT_JOB_OPTIONS, QUEUE_DEFINITIONS, QueueDefinition } from './queue.types';
import { QueueWorkersService } from './queue-workers.service';

/**
 * BullMQ on Redis: one registration per queue the domains declare (`queues` of each domain definition), shared
 * defaults (retries with backoff, retention). Global, so a domain injects its queue with `@InjectQueue(name)`.
 */
@Global()
@Module({})
export class QueueModule {
  static forRoot(definitions: readonly QueueDefinition[]): DynamicModule {
    const queues = definitions.map(({ name }) => BullModule.registerQueue({ name }));
    return {
      module: QueueModule,
      imports: [
        DiscoveryModule,
        BullModule.forRootAsync({
          inject: [AppConfigService],
          useFactory: (config: AppConfigService) => ({
            connection: redisConnectionOptions(config.redis.url, { forQueue: true }),
            defaultJobOptions: DEFAULT_JOB_OPTIONS,
          }),
        }),
        ...queues,
      ],
      providers: [QueueWorkersService, { provide: QUEUE_DEFINITIONS, useValue: definitions }],
      exports: [...queues, QueueWorkersService, QUEUE_DEFINITIONS],
    };
  }
}
