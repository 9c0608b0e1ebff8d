import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthError, AuthErrorCode } from './auth.errors';
import { SessionsService } from './sessions.service';
import { TokensService } from './tokens.service';
import { ApiKeysService } from 'src/modules/organizations/api-keys.service';
import { ORG_PERMISSION } from 'src/modules/organizations/organization.decorators';
import { OrgError, OrgErrorCode } from 'src/modules/organizations/organizations.errors';
import { AuthUser, Role } from 'src/common/auth/auth-user';
import { IS_PUBLIC, REQUIRE_2FA, ROLES } from 'src/common/auth/auth.decorators';

/**
 * The global guard: every route needs a valid access token unless marked `@Public()`. The token must verify
 * (HS256, unexpired), its session must still be live and its user active; then `@Authenticated({ roles })` and
 * `@RequireTwoFactor()` are enforced.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokensService,
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      return true;
    }
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) {
      throw new AuthError(
        AuthErrorCode.Unauthenticated,
        'Authentication required: send Authorization: Bearer <access token>',
      );
    }
    const token = match[1];
    const user = token.startsWith('sbk_')
      ? await this.apiKeyUser(token, context)
      : await this.sessions.validate(await this.tokens.verifyAccess(token));
    request.user = user;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets) ?? [];
    if (roles.length > 0 && !roles.includes(user.role)) {
      throw new AuthError(AuthErrorCode.ForbiddenRole, `This needs the role ${roles.join(' or ')}`);
    }
    if (this.reflector.getAllAndOverride<boolean>(REQUIRE_2FA, targets) && !user.mfa) {
      throw new AuthError(
        AuthErrorCode.TwoFactorRequired,
        'This needs a session that passed two-factor authentication: enable 2FA and log in again',
      );
    }
    return true;
  }

  /**
   * An API key acts as its creator (with the creator's current role, cut to the key's scopes), only inside its
   * organization, only on organization routes, only from the organization's IP allowlist when it keeps one, and
   * within its per-minute budget (`X-RateLimit-*-api-key` headers; 429 with Retry-After beyond).
   */
  private async apiKeyUser(token: string, context: ExecutionContext): Promise<AuthUser> {
    const key = await this.apiKeys.authenticate(token);
    if (
      !this.reflector.getAllAndOverride<string | undefined>(ORG_PERMISSION, [context.getHandler(), context.getClass()])
    ) {
      throw new OrgError(
        OrgErrorCode.ApiKeyNotAllowed,
        'API keys work only on organization routes; log in as a user for this one',
      );
    }
    this.apiKeys.assertAddressAllowed(key, context.switchToHttp().getRequest<FastifyRequest>().ip);
    const budget = await this.apiKeys.takeRequest(key);
    void context
      .switchToHttp()
      .getResponse<FastifyReply>()
      .header('X-RateLimit-Limit-api-key', String(budget.limit))
      .header('X-RateLimit-Remaining-api-key', String(budget.remaining))
      .header('X-RateLimit-Reset-api-key', String(budget.resetSeconds));
    if (!budget.allowed) {
      throw new OrgError(
        OrgErrorCode.ApiKeyRateLimited,
        `This API key may make ${budget.limit} requests per minute; wait for the next minute`,
        { limit: budget.limit, retryAfterSeconds: budget.resetSeconds },
      ).withRetryAfter(budget.resetSeconds);
    }
    return {
      id: key.createdById,
      role: Role.User,
      sessionId: '',
      mfa: false,
      apiKey: { id: key.id, organizationId: key.organizationId, scopes: key.scopes, role: key.role },
    };
  }
}
