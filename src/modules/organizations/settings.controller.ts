import { Controller, Get, Headers, HttpStatus, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { BootstrapDto, UsageQuotasDto } from './organizations.dto';
import { CurrentOrg, OrgContext, RequirePermission } from './organization.decorators';
import { BootstrapService } from './bootstrap.service';
import { Permission } from './permissions';
import { UsageService } from './usage.service';

@ApiTags('settings')
@Authenticated()
@ApiErrorResponses(401)
@Controller()
export class SettingsController {
  constructor(
    private readonly usage: UsageService,
    private readonly bootstrapService: BootstrapService,
  ) {}

  @Get('settings/usage-quotas')
  @RequirePermission(Permission.OrgRead)
  @ApiOperation({ operationId: 'getUsageQuotas', summary: 'Plan, features and quota usage of the organization' })
  @ApiOkResponse({ type: UsageQuotasDto })
  @ApiErrorResponses(403, 404)
  usageQuotas(@CurrentOrg() org: OrgContext): Promise<UsageQuotasDto> {
    return this.usage.usage(org.id);
  }

  @Get('bootstrap')
  @ApiOperation({
    operationId: 'getBootstrap',
    summary: 'Current user, organizations with plans and feature flags, server time; ETag / If-None-Match → 304',
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
