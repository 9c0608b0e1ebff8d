import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { PageQueryDto } from 'src/common/http/pagination.dto';
import { CurrentOrg, OrgContext, RequirePermission } from './organization.decorators';
import { InvitationsService } from './invitations.service';
import {
  CreateInvitationDto,
  CreateOrganizationDto,
  InvitationDto,
  MemberDto,
  MemberPageDto,
  OrganizationDto,
  RolePermissionsDto,
  UpdateMemberRoleDto,
  UpdateOrganizationDto,
} from './organizations.dto';
import { OrganizationsService } from './organizations.service';
import { OrgPermission } from './organizations.permissions';

@ApiTags('organizations')
@Authenticated()
@ApiErrorResponses(401)
@Controller('organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @ApiOperation({ operationId: 'createOrganization', summary: 'Create an organization; you become its owner' })
  @ApiCreatedResponse({ type: OrganizationDto })
  @ApiErrorResponses(409)
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateOrganizationDto): Promise<OrganizationDto> {
    return this.organizations.create(user, dto);
  }

  @Get()
  @ApiOperation({ operationId: 'listMyOrganizations', summary: 'Organizations you belong to, with your role' })
  @ApiOkResponse({ type: [OrganizationDto] })
  listMine(@CurrentUser() user: AuthUser): Promise<OrganizationDto[]> {
    return this.organizations.listMine(user);
  }

  @Get('current')
  @RequirePermission(OrgPermission.OrgRead)
  @ApiOperation({ operationId: 'getCurrentOrganization', summary: 'The organization named by X-Organization-Id' })
  @ApiOkResponse({ type: OrganizationDto })
  @ApiErrorResponses(403, 404)
  current(@CurrentOrg() org: OrgContext): Promise<OrganizationDto> {
    return this.organizations.get(org);
  }

  @Patch('current')
  @RequirePermission(OrgPermission.OrgUpdate)
  @ApiOperation({ operationId: 'updateCurrentOrganization', summary: 'Rename it or change its slug' })
  @ApiOkResponse({ type: OrganizationDto })
  @ApiErrorResponses(403, 404, 409)
  update(@CurrentOrg() org: OrgContext, @Body() dto: UpdateOrganizationDto): Promise<OrganizationDto> {
    return this.organizations.update(org, dto);
  }
}

@ApiTags('team')
@Authenticated()
@ApiErrorResponses(401)
@Controller('team')
export class TeamController {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly invitations: InvitationsService,
  ) {}

  @Get('permissions')
  @ApiOperation({ operationId: 'getPermissionsMatrix', summary: 'What each organization role may do' })
  @ApiOkResponse({ type: [RolePermissionsDto] })
  permissions(): RolePermissionsDto[] {
    return this.organizations.permissions();
  }

  @Get('members')
  @RequirePermission(OrgPermission.MembersRead)
  @ApiOperation({ operationId: 'listMembers', summary: 'Members of the organization with their roles' })
  @ApiOkResponse({ type: MemberPageDto })
  @ApiErrorResponses(403, 404)
  members(@CurrentOrg() org: OrgContext, @Query() page: PageQueryDto): Promise<MemberPageDto> {
    return this.organizations.members(org, page);
  }

  @Put('members/:userId/role')
  @RequirePermission(OrgPermission.MembersUpdateRole)
  @ApiOperation({ operationId: 'updateMemberRole', summary: 'Change a member’s role (the last owner stays owner)' })
  @ApiOkResponse({ type: MemberDto })
  @ApiErrorResponses(403, 404, 409)
  changeRole(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('userId', ParseUUIDPipe) userId: string,
    @Body() dto: UpdateMemberRoleDto,
  ): Promise<MemberDto> {
    return this.organizations.changeRole(org, user, userId, dto.role);
  }

  @Delete('members/:userId')
  @RequirePermission(OrgPermission.MembersRemove)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'removeMember', summary: 'Remove a member' })
  @ApiNoContentResponse()
  @ApiErrorResponses(403, 404, 409)
  remove(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('userId', ParseUUIDPipe) userId: string,
  ): Promise<void> {
    return this.organizations.remove(org, user, userId);
  }

  @Post('invite')
  @RequirePermission(OrgPermission.MembersInvite)
  @ApiOperation({ operationId: 'inviteMember', summary: 'Invite by email; the token is mailed (single use, 7 days)' })
  @ApiCreatedResponse({ type: InvitationDto })
  @ApiErrorResponses(403, 404, 409)
  invite(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateInvitationDto,
  ): Promise<InvitationDto> {
    return this.invitations.invite(org, user, dto);
  }

  @Get('invitations')
  @RequirePermission(OrgPermission.MembersInvite)
  @ApiOperation({ operationId: 'listInvitations', summary: 'Pending invitations' })
  @ApiOkResponse({ type: [InvitationDto] })
  @ApiErrorResponses(403, 404)
  invitationsPending(@CurrentOrg() org: OrgContext): Promise<InvitationDto[]> {
    return this.invitations.listPending(org);
  }

  @Delete('invitations/:id')
  @RequirePermission(OrgPermission.MembersInvite)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'revokeInvitation', summary: 'Revoke a pending invitation' })
  @ApiNoContentResponse()
  @ApiErrorResponses(403, 404)
  revokeInvitation(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    return this.invitations.revoke(org, user, id);
  }

  @Post('invitations/:id/resend')
  @RequirePermission(OrgPermission.MembersInvite)
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ operationId: 'resendInvitation', summary: 'Mail a new token (the old one stops working)' })
  @ApiOkResponse({ type: InvitationDto })
  @ApiErrorResponses(403, 404)
  resendInvitation(@CurrentOrg() org: OrgContext, @Param('id', ParseUUIDPipe) id: string): Promise<InvitationDto> {
    return this.invitations.resend(org, id);
  }

  @Post('invitations/:token/accept')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'acceptInvitation',
    summary: 'Join with the mailed token; log in (or register) with the invited address first',
  })
  @ApiOkResponse({ type: OrganizationDto })
  @ApiErrorResponses(403, 409)
  accept(@CurrentUser() user: AuthUser, @Param('token') token: string): Promise<OrganizationDto> {
    return this.invitations.accept(user, token);
  }

  @Post('leave')
  @RequirePermission(OrgPermission.OrgRead)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'leaveOrganization', summary: 'Leave the organization (not as its last owner)' })
  @ApiNoContentResponse()
  @ApiErrorResponses(404, 409)
  leave(@CurrentOrg() org: OrgContext, @CurrentUser() user: AuthUser): Promise<void> {
    return this.organizations.leave(org, user);
  }
}
