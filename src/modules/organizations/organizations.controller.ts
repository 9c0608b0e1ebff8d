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
  @ApiOperation({
    operationId: 'createOrganization',
    summary: 'Create an organization; you become its owner',
    description:
      'Creates an organization with a name and slug, and makes you its owner. Any signed-in user; 409 when the ' +
      'slug is taken.',
  })
  @ApiCreatedResponse({ type: OrganizationDto })
  @ApiErrorResponses(409)
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateOrganizationDto): Promise<OrganizationDto> {
    return this.organizations.create(user, dto);
  }

  @Get()
  @ApiOperation({
    operationId: 'listMyOrganizations',
    summary: 'Organizations you belong to, with your role',
    description: 'Lists the organizations you belong to, with their plan and your role in each. Any signed-in user.',
  })
  @ApiOkResponse({ type: [OrganizationDto] })
  listMine(@CurrentUser() user: AuthUser): Promise<OrganizationDto[]> {
    return this.organizations.listMine(user);
  }

  @Get('current')
  @RequirePermission(OrgPermission.OrgRead)
  @ApiOperation({
    operationId: 'getCurrentOrganization',
    summary: 'The organization named by X-Organization-Id',
    description:
      'Returns the organization named by X-Organization-Id with its plan. Its members (org.read); 404 when you ' +
      'are not a member.',
  })
  @ApiOkResponse({ type: OrganizationDto })
  @ApiErrorResponses(403, 404)
  current(@CurrentOrg() org: OrgContext): Promise<OrganizationDto> {
    return this.organizations.get(org);
  }

  @Patch('current')
  @RequirePermission(OrgPermission.OrgUpdate)
  @ApiOperation({
    operationId: 'updateCurrentOrganization',
    summary: 'Rename it or change its slug',
    description:
      'Renames the organization named by X-Organization-Id or changes its slug; sends organization.updated. ' +
      'Owners and admins (org.update); 409 when the slug is taken.',
  })
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
  @ApiOperation({
    operationId: 'getPermissionsMatrix',
    summary: 'What each organization role may do',
    description:
      'Lists every organization role with the permissions it holds (owner, admin, member). Any signed-in user.',
  })
  @ApiOkResponse({ type: [RolePermissionsDto] })
  permissions(): RolePermissionsDto[] {
    return this.organizations.permissions();
  }

  @Get('members')
  @RequirePermission(OrgPermission.MembersRead)
  @ApiOperation({
    operationId: 'listMembers',
    summary: 'Members of the organization with their roles',
    description: 'Lists the members of the organization with their roles, page by page. Its members (members.read).',
  })
  @ApiOkResponse({ type: MemberPageDto })
  @ApiErrorResponses(403, 404)
  members(@CurrentOrg() org: OrgContext, @Query() page: PageQueryDto): Promise<MemberPageDto> {
    return this.organizations.members(org, page);
  }

  @Put('members/:userId/role')
  @RequirePermission(OrgPermission.MembersUpdateRole)
  @ApiOperation({
    operationId: 'updateMemberRole',
    summary: 'Change a member’s role (the last owner stays owner)',
    description:
      'Changes the role of a member ranked below you (owners may change anyone); sends member.role_changed. ' +
      'Owners and admins (members.update_role); 403 for an equal or higher rank, 409 when it would leave no ' +
      'owner.',
  })
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
  @ApiOperation({
    operationId: 'removeMember',
    summary: 'Remove a member',
    description:
      'Removes a member ranked below you from the organization; sends member.removed. Owners and admins ' +
      '(members.remove); 403 for an equal or higher rank, 409 for the last owner.',
  })
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
  @ApiOperation({
    operationId: 'inviteMember',
    summary: 'Invite by email; the token is mailed (single use, 7 days)',
    description:
      'Invites an email address with a role below yours (owners: any); the single-use token is mailed and valid ' +
      'seven days, replacing an earlier invitation to that address. Owners and admins (members.invite); 403 for ' +
      'a role not below yours or a full member quota, 409 when the address already is a member.',
  })
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
  @ApiOperation({
    operationId: 'listInvitations',
    summary: 'Pending invitations',
    description: 'Lists the pending invitations of the organization. Owners and admins (members.invite).',
  })
  @ApiOkResponse({ type: [InvitationDto] })
  @ApiErrorResponses(403, 404)
  invitationsPending(@CurrentOrg() org: OrgContext): Promise<InvitationDto[]> {
    return this.invitations.listPending(org);
  }

  @Delete('invitations/:id')
  @RequirePermission(OrgPermission.MembersInvite)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'revokeInvitation',
    summary: 'Revoke a pending invitation',
    description:
      'Revokes a pending invitation; its token stops working. Owners and admins (members.invite); 404 for an ' +
      'unknown invitation.',
  })
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
  @ApiOperation({
    operationId: 'resendInvitation',
    summary: 'Mail a new token (the old one stops working)',
    description:
      'Mails a new token for a pending invitation; the old token stops working. Owners and admins ' +
      '(members.invite); 404 for an unknown invitation.',
  })
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
    description:
      'Joins the organization with the mailed token; sign in (or register) with the invited address first. Any ' +
      'signed-in user; 400 for an invalid or expired token, 403 when your address differs from the invited one, ' +
      '409 when you already are a member.',
  })
  @ApiOkResponse({ type: OrganizationDto })
  @ApiErrorResponses(403, 409)
  accept(@CurrentUser() user: AuthUser, @Param('token') token: string): Promise<OrganizationDto> {
    return this.invitations.accept(user, token);
  }

  @Post('leave')
  @RequirePermission(OrgPermission.OrgRead)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'leaveOrganization',
    summary: 'Leave the organization (not as its last owner)',
    description:
      'Leaves the organization named by X-Organization-Id; sends member.left. Any member; 409 for its last ' + 'owner.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(404, 409)
  leave(@CurrentOrg() org: OrgContext, @CurrentUser() user: AuthUser): Promise<void> {
    return this.organizations.leave(org, user);
  }
}
