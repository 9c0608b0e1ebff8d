import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DomainEventBus } from './domain-events';

/** The in-process domain event bus, global: every domain publishes and handles through it. */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [DomainEventBus],
  exports: [DomainEventBus],
})
export class DomainEventsModule {}
