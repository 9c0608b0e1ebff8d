import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthError, AuthErrorCode } from 'src/modules/auth/auth.errors';
import { SessionsService } from 'src/modules/auth/sessions.service';
import { TokensService } from 'src/modules/auth/tokens.service';
import { ApiKeysService } from 'src/modules/organizations/api-keys.service';
import { ORG_PERMISSION } from 'src/modules/organizations/organization.decorators';
import { OrgError, OrgErrorCode } from 'src/modules/organizations/organizations.errors';
import { AuthUser, Role } from './auth-user';
import { IS_PUBLIC, REQUIRE_2FA, ROLES } from './auth.decorators';

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
      ? await this.apiKeyUser(token, targets)
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

  /** An API key acts as its creator, only inside its organization and only on organization routes. */
  private async apiKeyUser(token: string, targets: Parameters<Reflector['getAllAndOverride']>[1]): Promise<AuthUser> {
    const key = await this.apiKeys.authenticate(token);
    if (!key) {
      throw new AuthError(AuthErrorCode.TokenInvalid, 'API key is invalid, expired or revoked');
    }
    if (!this.reflector.getAllAndOverride<string | undefined>(ORG_PERMISSION, targets)) {
      throw new OrgError(
        OrgErrorCode.ApiKeyNotAllowed,
        'API keys work only on organization routes; log in as a user for this one',
      );
    }
    return {
      id: key.createdById,
      role: Role.User,
      sessionId: '',
      mfa: false,
      apiKey: { id: key.id, organizationId: key.organizationId, scopes: key.scopes },
    };
  }
}
