import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipRateLimit } from 'src/common/rate-limit/rate-limit.module';
import { MetricsAccessGuard } from './metrics-access.guard';
import { MetricsService } from './metrics.service';
import { Public } from 'src/common/auth/auth.decorators';

/**
 * Prometheus text exposition at `/metrics` (outside `/api/v1`): no user login, but `MetricsAccessGuard` (bearer
 * `METRICS_TOKEN`, else loopback clients only).
 */
@Public()
@UseGuards(MetricsAccessGuard)
@ApiExcludeController()
@SkipRateLimit()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  render(): Promise<string> {
    return this.metrics.render();
  }
}
