import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension, ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { OrgRole } from './membership.entity';
import { Permission } from './permissions';
import { Feature } from './plans';

export const ORG_PERMISSION = 'switchboard:org-permission';
export const ORG_HEADER = 'x-organization-id';
export const ORG_FEATURE = 'switchboard:org-feature';
export const IP_ALLOWLIST_OWNER_EXEMPT = 'switchboard:ip-allowlist-owner-exempt';

/** The organization a request acts in, resolved by OrganizationGuard from the X-Organization-Id header. */
export interface OrgContext {
  id: string;
  role: OrgRole;
}

/** Owners and admins of the organization (who see and manage every member's objects). */
export const isOrgAdmin = (org: OrgContext): boolean => org.role === OrgRole.Owner || org.role === OrgRole.Admin;

/**
 * The route acts inside the organization named by the `X-Organization-Id` header and needs `permission` there.
 * Not a member → 404 (the organization's existence is not revealed); member without the permission → 403.
 */
export function RequirePermission(permission: Permission): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ORG_PERMISSION, permission),
    ApiHeader({ name: 'X-Organization-Id', required: true, description: 'The organization to act in (uuid)' }),
    ApiExtension('x-permission', permission),
  );
}

export const CurrentOrg = createParamDecorator((_data: unknown, context: ExecutionContext): OrgContext => {
  return context.switchToHttp().getRequest<FastifyRequest & { org?: OrgContext }>().org!;
});

/** The organization's plan must include `feature` (403 ORG_FEATURE_NOT_IN_PLAN); use with `@RequirePermission()`. */
export function RequiresFeature(feature: Feature): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(ORG_FEATURE, feature), ApiExtension('x-plan-feature', feature));
}

/**
 * Owners reach this route from any address even when the organization's IP allowlist applies to members, so an
 * owner whose address changed can still correct the list.
 */
export const IpAllowlistOwnerExempt = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IP_ALLOWLIST_OWNER_EXEMPT, true), ApiExtension('x-ip-allowlist-owner-exempt', true));
