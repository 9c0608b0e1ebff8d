import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Observable } from 'rxjs';

/** Sets the no-store headers before the handler runs, so they go out with its answer, error or not. */
@Injectable()
export class NoStoreInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    void context
      .switchToHttp()
      .getResponse<FastifyReply>()
      .header('Cache-Control', 'no-store')
      .header('Pragma', 'no-cache');
    return next.handle();
  }
}

/**
 * For answers that carry credentials (access, refresh, device or join tokens, API keys, signing secrets, TOTP
 * seeds, recovery codes): `Cache-Control: no-store` and `Pragma: no-cache`, so no browser or proxy cache keeps
 * them. Shown in the OpenAPI document as `x-no-store`; a test checks every operation whose answer has such a
 * field carries it.
 */
export const NoStore = (): MethodDecorator & ClassDecorator =>
  applyDecorators(UseInterceptors(NoStoreInterceptor), ApiExtension('x-no-store', true));
