import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, Role } from 'src/common/auth/auth-user';
import { Authenticated, Client, ClientInfo, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { SessionDto } from 'src/modules/auth/auth.dto';
import {
  AdminCreateUserDto,
  AuditPageDto,
  ListAuditQueryDto,
  ListUsersQueryDto,
  UpdateRoleDto,
  UserPageDto,
  UserResponseDto,
} from 'src/modules/users/users.dto';
import {
  AdminOrganizationDto,
  AdminOrganizationPageDto,
  ListOrganizationsQueryDto,
  SetPlanDto,
} from 'src/modules/organizations/organizations.dto';
import { OrganizationsService } from 'src/modules/organizations/organizations.service';
import { AdminService } from './admin.service';

@ApiTags('admin')
@Authenticated({ roles: [Role.Admin] })
@ApiErrorResponses(401, 403)
@Controller('admin')
export class AdminController {
  constructor(
    private readonly admin: AdminService,
    private readonly organizationsService: OrganizationsService,
  ) {}

  @Get('users')
  @ApiOperation({
    operationId: 'adminListUsers',
    summary: 'List and search users',
    description:
      'Lists and searches all user accounts of the instance, page by page, filterable by text, role and active ' +
      'state. Platform admins only.',
  })
  @ApiOkResponse({ type: UserPageDto })
  list(@Query() query: ListUsersQueryDto): Promise<UserPageDto> {
    return this.admin.list(query);
  }

  @Post('users')
  @ApiOperation({
    operationId: 'adminCreateUser',
    summary: 'Create a user',
    description:
      'Creates a user account with email, username, password and optionally role, display name and verified ' +
      'email; audited. Platform admins only; 409 when the email or username is taken.',
  })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiErrorResponses(409)
  create(
    @Body() dto: AdminCreateUserDto,
    @CurrentUser() actor: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<UserResponseDto> {
    return this.admin.create(dto, actor, client);
  }

  @Get('users/:id')
  @ApiOperation({
    operationId: 'adminGetUser',
    summary: 'One user',
    description: 'Returns one user account. Platform admins only; 404 for an unknown user.',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrorResponses(404)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<UserResponseDto> {
    return this.admin.get(id);
  }

  @Delete('users/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'adminDeleteUser',
    summary: 'Delete a user and their sessions',
    description:
      'Deletes a user account and ends all of its sessions; audited. Platform admins only; 409 when it is the ' +
      'last active admin.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(404, 409)
  remove(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentUser() actor: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.admin.remove(id, actor, client);
  }

  @Post('users/:id/disable')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'adminDisableUser',
    summary: 'Disable a user; their sessions end at once',
    description:
      'Disables a user account: signing in is refused and its sessions end at once; audited. Platform admins ' +
      'only; 409 when it is the last active admin.',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrorResponses(404, 409)
  disable(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentUser() actor: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<UserResponseDto> {
    return this.admin.setActive(id, false, actor, client);
  }

  @Post('users/:id/enable')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'adminEnableUser',
    summary: 'Enable a disabled user',
    description: 'Re-enables a disabled user account; audited. Platform admins only; 404 for an unknown user.',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrorResponses(404)
  enable(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentUser() actor: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<UserResponseDto> {
    return this.admin.setActive(id, true, actor, client);
  }

  @Put('users/:id/role')
  @ApiOperation({
    operationId: 'adminSetUserRole',
    summary: 'Assign a role (applies to live sessions at once)',
    description:
      'Assigns a global role to a user, effective for their live sessions at once; audited. Platform admins ' +
      'only; 409 when it would demote the last active admin.',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrorResponses(404, 409)
  setRole(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateRoleDto,
    @CurrentUser() actor: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<UserResponseDto> {
    return this.admin.setRole(id, dto.role, actor, client);
  }

  @Get('users/:id/sessions')
  @ApiOperation({
    operationId: 'adminListUserSessions',
    summary: 'Live sessions of a user',
    description:
      'Lists the live sessions of a user with device, IP and last use. Platform admins only; 404 for an unknown ' +
      'user.',
  })
  @ApiOkResponse({ type: [SessionDto] })
  @ApiErrorResponses(404)
  sessions(@Param('id', ParseUUIDPipe) id: string): Promise<SessionDto[]> {
    return this.admin.listSessions(id);
  }

  @Delete('users/:id/sessions')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'adminRevokeUserSessions',
    summary: 'End every session of a user',
    description: 'Ends every session of a user; audited. Platform admins only; 404 for an unknown user.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(404)
  revokeAll(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentUser() actor: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.admin.revokeAllSessions(id, actor, client);
  }

  @Delete('users/:id/sessions/:sessionId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'adminRevokeUserSession',
    summary: 'End one session of a user',
    description: 'Ends one session of a user; audited. Platform admins only; 404 for an unknown user or session.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(404)
  revoke(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('sessionId', ParseUUIDPipe) sessionId: string,
    @CurrentUser() actor: AuthUser,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.admin.revokeSession(id, sessionId, actor, client);
  }

  @Get('organizations')
  @ApiOperation({
    operationId: 'adminListOrganizations',
    summary: 'All organizations with plan and member count',
    description:
      'Lists all organizations of the instance with their plan and member count, page by page. Platform admins ' +
      'only.',
  })
  @ApiOkResponse({ type: AdminOrganizationPageDto })
  organizations(@Query() query: ListOrganizationsQueryDto): Promise<AdminOrganizationPageDto> {
    return this.organizationsService.listAll(query);
  }

  @Put('organizations/:id/plan')
  @ApiOperation({
    operationId: 'adminSetOrganizationPlan',
    summary: 'Set the plan of an organization',
    description:
      'Sets the plan of an organization, changing its features and quotas at once. Platform admins only; 404 for ' +
      'an unknown organization.',
  })
  @ApiOkResponse({ type: AdminOrganizationDto })
  @ApiErrorResponses(404)
  setPlan(@Param('id', ParseUUIDPipe) id: string, @Body() dto: SetPlanDto): Promise<AdminOrganizationDto> {
    return this.organizationsService.setPlan(id, dto.plan);
  }

  @Get('audit-events')
  @ApiOperation({
    operationId: 'adminListAuditEvents',
    summary: 'Security audit log, newest first',
    description:
      'Pages through the security audit log (sign-ins, role changes, deletions…), newest first, filterable by ' +
      'event type, subject, actor and time range. Platform admins only.',
  })
  @ApiOkResponse({ type: AuditPageDto })
  auditLog(@Query() query: ListAuditQueryDto): Promise<AuditPageDto> {
    return this.admin.auditLog(query);
  }
}
