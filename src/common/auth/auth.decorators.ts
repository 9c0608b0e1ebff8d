import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuthUser, Role } from './auth-user';
import { storableText } from 'src/common/http/hostile-input';

export const IS_PUBLIC = 'switchboard:public';
export const ROLES = 'switchboard:roles';
export const REQUIRE_2FA = 'switchboard:require-2fa';

/** Reachable without credentials. Every other route needs a valid access token (global JwtAuthGuard). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** Needs a valid access token, and one of `roles` when given; shown in the OpenAPI document (`x-roles`). */
export function Authenticated(options: { roles?: Role[] } = {}): MethodDecorator & ClassDecorator {
  const roles = options.roles ?? [];
  return applyDecorators(
    SetMetadata(ROLES, roles),
    ApiBearerAuth(),
    ...(roles.length > 0 ? [ApiExtension('x-roles', roles)] : []),
  );
}

/** Step-up: the session must have passed a second factor (the user must have 2FA enabled). */
export function RequireTwoFactor(): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(REQUIRE_2FA, true), ApiExtension('x-requires-2fa', true));
}

export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
  return request.user!;
});

/** Client IP and user agent of the request, for sessions and the audit log (text PostgreSQL cannot store replaced). */
export interface ClientInfo {
  ip: string;
  userAgent: string;
}

export const Client = createParamDecorator((_data: unknown, context: ExecutionContext): ClientInfo => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return { ip: request.ip, userAgent: storableText(String(request.headers['user-agent'] ?? '').slice(0, 512)) };
});

/** The request header a client sends its device token in (returned by login; see LockoutService). */
export const DEVICE_TOKEN_HEADER = 'x-device-token';

/** The X-Device-Token header when it looks like a device token (URL-safe base64, ≤ 100 characters), else undefined. */
export const DeviceToken = createParamDecorator((_data: unknown, context: ExecutionContext): string | undefined => {
  const value = context.switchToHttp().getRequest<FastifyRequest>().headers[DEVICE_TOKEN_HEADER];
  return typeof value === 'string' && /^[A-Za-z0-9_-]{16,100}$/.test(value) ? value : undefined;
});
