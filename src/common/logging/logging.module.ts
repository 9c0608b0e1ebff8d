import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Logger as PinoLogger } from 'pino';
import { AppConfigService } from 'src/config/app-config.service';
import { AppLogger, createRootLogger } from './logging';

/** The root pino logger of the process (see `createRootLogger`). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

class LogFlusher implements OnApplicationShutdown {
  constructor(@Inject(ROOT_LOGGER) private readonly root: PinoLogger) {}

  onApplicationShutdown(): void {
    this.root.flush();
  }
}

/** The root logger and Nest's `AppLogger` over it, for `app.useLogger()`; flushed when the app shuts down. */
@Global()
@Module({
  providers: [
    {
      provide: ROOT_LOGGER,
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => createRootLogger(config.log.level, config.log.pretty),
    },
    { provide: AppLogger, inject: [ROOT_LOGGER], useFactory: (root: PinoLogger) => new AppLogger(root) },
    LogFlusher,
  ],
  exports: [ROOT_LOGGER, AppLogger],
})
export class LoggingModule {}
