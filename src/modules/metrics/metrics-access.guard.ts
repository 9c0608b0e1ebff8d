import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';
import { AddressClass, classifyAddress } from 'src/common/net/address-policy';
import { AppConfigService } from 'src/config/app-config.service';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Who may read `/metrics`: with `METRICS_TOKEN` set, a request with `Authorization: Bearer <METRICS_TOKEN>` (compared
 * in constant time); without it, only a client on the loopback interface that came through no proxy (the socket's
 * address, never `X-Forwarded-For`; a request carrying a forwarding header was relayed and is refused).
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  constructor(private readonly config: AppConfigService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const { token } = this.config.metrics;
    if (token !== undefined) {
      const header = request.headers.authorization ?? '';
      const sent = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
      if (!timingSafeEqual(digest(sent), digest(token))) {
        throw new PlatformError(PlatformErrorCode.Unauthorized, 'Send Authorization: Bearer <METRICS_TOKEN>');
      }
      return true;
    }
    const forwarded = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
    if (forwarded || classifyAddress(request.socket.remoteAddress ?? '') !== AddressClass.Loopback) {
      throw new PlatformError(
        PlatformErrorCode.Forbidden,
        'Metrics are served to loopback clients only; set METRICS_TOKEN to scrape from elsewhere',
      );
    }
    return true;
  }
}
