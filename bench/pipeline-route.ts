/**
 * The route `npm run bench:pipeline` loads at every stage: the same handler behind more and more of Switchboard's
 * request layers. It is decorated like an ordinary organization route (a query DTO, a permission), which costs
 * nothing until the layer that reads the decoration is installed.
 */
import { Controller, Get, Module, Query } from '@nestjs/common';
import { HttpLayer } from 'src/common/http/http-layers';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { RequirePermission } from 'src/modules/organizations/organization.decorators';
import { ChatPermission } from 'src/modules/chat/chat.domain';

/** The layers in the order the bench adds them (the order a request meets them). */
export const PIPELINE_LAYERS: readonly HttpLayer[] = [
  HttpLayer.Hardening,
  HttpLayer.Metrics,
  HttpLayer.RequestLog,
  HttpLayer.RateLimit,
  HttpLayer.Auth,
  HttpLayer.Validation,
  HttpLayer.Organization,
];

export const BENCH_ROUTE = '/api/v1/bench/hello';
export const BENCH_PAYLOAD_ROUTE = '/api/v1/bench/payload';

class HelloQuery {
  @IsOptional()
  @IsString()
  @MaxLength(40)
  name?: string;
}

/** A list response of about 20 KB, for the cost of compression. */
const PAYLOAD = {
  items: Array.from({ length: 100 }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    email: `user${i}@example.com`,
    displayName: `User number ${i}`,
    role: 'member',
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
  })),
  total: 100,
};

@Controller('bench')
@RequirePermission(ChatPermission.Use)
class BenchController {
  @Get('hello')
  hello(@Query() query: HelloQuery): { hello: string } {
    return { hello: query.name ?? 'world' };
  }

  @Get('payload')
  payload(@Query() _query: HelloQuery): typeof PAYLOAD {
    return PAYLOAD;
  }
}

@Module({ controllers: [BenchController] })
export class BenchRouteModule {}
