import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult } from '@nestjs/terminus';
import { SkipRateLimit } from 'src/common/rate-limit/rate-limit.module';
import { HealthService } from './health.service';
import { Public } from 'src/common/auth/auth.decorators';

@Public()
@ApiTags('health')
@SkipRateLimit()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({
    operationId: 'getLiveness',
    summary: 'The process is up (no dependency checks)',
    description:
      'Answers 200 while the process is up, without checking any dependency; for liveness probes. Public, not ' +
      'rate-limited.',
  })
  live(): Promise<HealthCheckResult> {
    return this.health.live();
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    operationId: 'getReadiness',
    summary: 'PostgreSQL and Redis answer; 503 naming what is down otherwise',
    description:
      'Checks that PostgreSQL and Redis answer; 200 when both do, 503 naming what is down otherwise. Public, not ' +
      'rate-limited; for readiness probes and load balancers.',
  })
  ready(): Promise<HealthCheckResult> {
    return this.health.ready();
  }
}
