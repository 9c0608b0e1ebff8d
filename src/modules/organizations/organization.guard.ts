import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthUser } from 'src/common/auth/auth-user';
import {
  IP_ALLOWLIST_OWNER_EXEMPT,
  ORG_FEATURE,
  ORG_HEADER,
  ORG_PERMISSION,
  OrgContext,
} from './organization.decorators';
import { ipAllowed } from './ip-allowlist';
import { Feature } from './plans';
import { OrgRole } from './membership.entity';
import { assertPlanIncludes, UsageService } from './usage.service';
import { OrganizationsService } from './organizations.service';
import { OrgError, OrgErrorCode } from './organizations.errors';
import { can, Permission } from './permissions';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * Resolves the active organization of routes marked `@RequirePermission()` and checks the caller's role there
 * (for an API key: its creator's current role, which AuthGuard already checked covers the key's scopes), and
 * the organization's IP allowlist for members when it applies to them.
 */
@Injectable()
export class OrganizationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly organizations: OrganizationsService,
    private readonly usage: UsageService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(ORG_PERMISSION, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!permission) {
      return true;
    }
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser; org?: OrgContext }>();
    const header = request.headers[ORG_HEADER];
    const apiKey = request.user!.apiKey;
    const orgId = (Array.isArray(header) ? header[0] : header) ?? apiKey?.organizationId;
    if (apiKey) {
      // A key acts in its own organization only, and only within its scopes.
      if (orgId !== apiKey.organizationId) {
        throw new OrgError(OrgErrorCode.NotFound, `Organization ${orgId} not found`);
      }
      if (!apiKey.scopes.includes(permission) || !can(apiKey.role, permission)) {
        throw new OrgError(OrgErrorCode.PermissionDenied, `This API key lacks the scope ${permission}`, {
          permission,
          scopes: apiKey.scopes,
        });
      }
      const feature = this.featureOf(context);
      if (feature) {
        await this.usage.assertFeature(orgId, feature);
      }
      request.org = { id: orgId, role: apiKey.role };
      return true;
    }
    if (!orgId || !UUID.test(orgId)) {
      throw new OrgError(OrgErrorCode.NoOrganization, 'Send the organization to act in as X-Organization-Id (uuid)', {
        field: 'X-Organization-Id',
      });
    }
    const standing = await this.organizations.standingOf(orgId, request.user!.id);
    if (!standing) {
      throw new OrgError(OrgErrorCode.NotFound, `Organization ${orgId} not found`);
    }
    const { role } = standing;
    if (
      standing.ipAllowlistAppliesToMembers &&
      standing.ipAllowlist.length > 0 &&
      !ipAllowed(standing.ipAllowlist, request.ip)
    ) {
      const exempt =
        role === OrgRole.Owner &&
        this.reflector.getAllAndOverride<boolean>(IP_ALLOWLIST_OWNER_EXEMPT, [
          context.getHandler(),
          context.getClass(),
        ]);
      if (!exempt) {
        throw new OrgError(
          OrgErrorCode.IpNotAllowed,
          `The organization accepts requests only from its IP allowlist; ${request.ip} is not on it`,
          { ip: request.ip },
        );
      }
    }
    if (!can(role, permission)) {
      throw new OrgError(OrgErrorCode.PermissionDenied, `Your role (${role}) lacks the permission ${permission}`, {
        permission,
        role,
      });
    }
    const feature = this.featureOf(context);
    if (feature) {
      assertPlanIncludes(standing.plan, feature);
    }
    request.org = { id: orgId, role };
    return true;
  }

  private featureOf(context: ExecutionContext): Feature | undefined {
    return this.reflector.getAllAndOverride<Feature | undefined>(ORG_FEATURE, [
      context.getHandler(),
      context.getClass(),
    ]);
  }
}
