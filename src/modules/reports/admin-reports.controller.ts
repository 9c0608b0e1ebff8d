import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, Role } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import {
  AddReportCommentDto,
  AdminListReportsQueryDto,
  AdminReportCountsQueryDto,
  AdminReportDetailDto,
  AdminReportPageDto,
  AdminUpdateReportDto,
  ReportCountsDto,
  ReportEventDto,
} from './reports.dto';
import { ReportsService } from './reports.service';

/** The moderation queue: every report, comments, and the status workflow (platform admins). */
@ApiTags('admin')
@Authenticated({ roles: [Role.Admin] })
@ApiErrorResponses(401, 403)
@Controller('admin/reports')
export class AdminReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get()
  @ApiOperation({
    operationId: 'adminListReports',
    summary: 'Reports matching the filters, newest first',
    description:
      'Lists the reports matching the filters (status, type, organization, reporter, reported user, creation ' +
      'time), newest first. Platform admins only.',
  })
  @ApiOkResponse({ type: AdminReportPageDto })
  list(@Query() query: AdminListReportsQueryDto): Promise<AdminReportPageDto> {
    return this.reports.adminList(query);
  }

  @Get('counts')
  @ApiOperation({
    operationId: 'adminCountReports',
    summary: 'How many reports are in each status',
    description: 'Counts the reports in each status, for the moderation queue. Platform admins only.',
  })
  @ApiOkResponse({ type: ReportCountsDto })
  counts(@Query() query: AdminReportCountsQueryDto): Promise<ReportCountsDto> {
    return this.reports.adminCounts(query);
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'adminGetReport',
    summary: 'One report with the reported message as it was when reported, and its full history',
    description:
      'Returns one report with the reported message as it was when reported, and its full history of status ' +
      'changes and comments. Platform admins only; 404 for an unknown report.',
  })
  @ApiOkResponse({ type: AdminReportDetailDto })
  @ApiErrorResponses(404)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<AdminReportDetailDto> {
    return this.reports.adminGet(id);
  }

  @Post(':id/comments')
  @ApiOperation({
    operationId: 'adminCommentReport',
    summary: 'Comment on a report: internal, or shown to the reporter (who is notified)',
    description:
      'Adds a comment to a report: internal, or visible to the reporter, who is then notified. Platform admins ' +
      'only; 404 for an unknown report.',
  })
  @ApiCreatedResponse({ type: ReportEventDto })
  @ApiErrorResponses(404)
  comment(
    @CurrentUser() admin: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: AddReportCommentDto,
  ): Promise<ReportEventDto> {
    return this.reports.adminComment(admin, id, dto);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'adminUpdateReport',
    summary: 'Move a report: open → in_review | dismissed, in_review → resolved | dismissed | open',
    description:
      'Moves a report through the workflow: open to in_review or dismissed, in_review to resolved, dismissed or ' +
      'open; the reporter is notified. Platform admins only; 400 when a resolution is required, 409 for a ' +
      'transition not allowed.',
  })
  @ApiOkResponse({ type: AdminReportDetailDto })
  @ApiErrorResponses(404, 409)
  update(
    @CurrentUser() admin: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: AdminUpdateReportDto,
  ): Promise<AdminReportDetailDto> {
    return this.reports.adminUpdate(admin, id, dto);
  }
}
