import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfigService } from 'src/config/app-config.service';
import { redisConnectionOptions } from 'src/redis/redis.options';
import { DEFAULT_JOB_OPTIONS, QueueName } from './queue.constants';
import { QueueWorkersService } from './queue-workers.service';

const queues = Object.values(QueueName).map((name) => BullModule.registerQueue({ name }));

/** BullMQ on Redis: one registration per `QueueName`, shared defaults (retries with backoff, retention). */
@Global()
@Module({
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
  providers: [QueueWorkersService],
  exports: [...queues, QueueWorkersService],
})
export class QueueModule {}
