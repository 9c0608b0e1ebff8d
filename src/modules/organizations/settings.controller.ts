import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, Client, type ClientInfo, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { NoStore } from 'src/common/http/no-store';
import { ApiKeysService } from './api-keys.service';
import {
  ApiKeyDto,
  BootstrapDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  SecuritySettingsDto,
  UpdateSecuritySettingsDto,
  UsageQuotasDto,
} from './organizations.dto';
import {
  CurrentOrg,
  IpAllowlistOwnerExempt,
  OrgContext,
  RequirePermission,
  RequiresFeature,
} from './organization.decorators';
import { OrganizationsService } from './organizations.service';
import { Feature } from './plans';
import { BootstrapService } from './bootstrap.service';
import { UsageService } from './usage.service';
import { OrgPermission } from './organizations.permissions';

@ApiTags('settings')
@Authenticated()
@ApiErrorResponses(401)
@Controller()
export class SettingsController {
  constructor(
    private readonly usage: UsageService,
    private readonly bootstrapService: BootstrapService,
    private readonly apiKeys: ApiKeysService,
    private readonly organizations: OrganizationsService,
  ) {}

  @Get('settings/security')
  @RequirePermission(OrgPermission.OrgUpdate)
  @IpAllowlistOwnerExempt()
  @ApiOperation({
    operationId: 'getSecuritySettings',
    summary: "The organization's IP allowlist",
    description:
      'Returns the IP allowlist of the organization and whether it applies to members as well as to API keys. ' +
      'Owners and admins (org.update); owners reach it from any address.',
  })
  @ApiOkResponse({ type: SecuritySettingsDto })
  @ApiErrorResponses(403, 404)
  securitySettings(@CurrentOrg() org: OrgContext): Promise<SecuritySettingsDto> {
    return this.organizations.securitySettings(org);
  }

  @Put('settings/security')
  @RequirePermission(OrgPermission.OrgUpdate)
  @IpAllowlistOwnerExempt()
  @ApiOperation({
    operationId: 'updateSecuritySettings',
    summary: "Replace the organization's IP allowlist (API keys; optionally members); people only, not API keys",
    description:
      'Replaces the IP allowlist of the organization, which restricts API keys and optionally members. People ' +
      'only, not API keys; owners and admins (org.update), owners from any address; 400 for an invalid range, ' +
      '409 when the list would lock out the caller.',
  })
  @ApiOkResponse({ type: SecuritySettingsDto })
  @ApiErrorResponses(400, 403, 404, 409)
  updateSecuritySettings(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Body() dto: UpdateSecuritySettingsDto,
    @Client() client: ClientInfo,
  ): Promise<SecuritySettingsDto> {
    return this.organizations.updateSecuritySettings(org, user, dto, client.ip);
  }

  @Get('settings/usage-quotas')
  @RequirePermission(OrgPermission.OrgRead)
  @ApiOperation({
    operationId: 'getUsageQuotas',
    summary: 'Plan, features and quota usage of the organization',
    description:
      'Returns the plan of the organization, its features and the usage of each quota against its limit. Its ' +
      'members (org.read).',
  })
  @ApiOkResponse({ type: UsageQuotasDto })
  @ApiErrorResponses(403, 404)
  usageQuotas(@CurrentOrg() org: OrgContext): Promise<UsageQuotasDto> {
    return this.usage.usage(org.id);
  }

  @Post('settings/api-keys')
  @NoStore()
  @RequirePermission(OrgPermission.ApiKeysManage)
  @RequiresFeature(Feature.ApiKeys)
  @ApiOperation({
    operationId: 'createApiKey',
    summary: 'Create an API key; the key is shown once',
    description:
      'Creates an API key with scopes no wider than your role; the key is shown only in this answer and sends ' +
      'api_key.created. Owners and admins (api_keys.manage) on a plan with API keys; 403 for scopes beyond your ' +
      'role or a plan without the feature.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiErrorResponses(403, 404)
  createApiKey(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateApiKeyDto,
  ): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(org, user, dto);
  }

  @Get('settings/api-keys')
  @RequirePermission(OrgPermission.ApiKeysManage)
  @ApiOperation({
    operationId: 'listApiKeys',
    summary: 'Live API keys (prefix, scopes, last use)',
    description:
      'Lists the live API keys of the organization with their prefix, scopes, creator, expiry and last use; ' +
      'secrets are never returned. Owners and admins (api_keys.manage).',
  })
  @ApiOkResponse({ type: [ApiKeyDto] })
  @ApiErrorResponses(403, 404)
  listApiKeys(@CurrentOrg() org: OrgContext): Promise<ApiKeyDto[]> {
    return this.apiKeys.list(org);
  }

  @Delete('settings/api-keys/:id')
  @RequirePermission(OrgPermission.ApiKeysManage)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key (effective at once)',
    description:
      'Revokes an API key; requests with it fail at once. Owners and admins (api_keys.manage); 404 for an ' +
      'unknown key.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(403, 404)
  revokeApiKey(@CurrentOrg() org: OrgContext, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.apiKeys.revoke(org, id);
  }

  @Get('bootstrap')
  @ApiOperation({
    operationId: 'getBootstrap',
    summary: 'Current user, organizations with plans and feature flags, server time; ETag / If-None-Match → 304',
    description:
      'Returns everything a client needs at start: the current user, their organizations with plans and feature ' +
      'flags, and the server time. Any signed-in user; with If-None-Match and an unchanged ETag the answer is ' +
      '304 without a body.',
  })
  @ApiHeader({ name: 'If-None-Match', required: false })
  @ApiOkResponse({ type: BootstrapDto })
  @ApiResponse({ status: HttpStatus.NOT_MODIFIED, description: 'Nothing changed since the given ETag' })
  async bootstrap(
    @CurrentUser() user: AuthUser,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { etag, body, notModified } = await this.bootstrapService.conditional(user, ifNoneMatch);
    await reply
      .header('ETag', etag)
      .header('Cache-Control', 'private, no-cache')
      .status(notModified ? HttpStatus.NOT_MODIFIED : HttpStatus.OK)
      .send(notModified ? undefined : body);
  }
}
