import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import {
  CreateReportDto,
  ListReportsQueryDto,
  ReportDetailDto,
  ReportDto,
  ReportPageDto,
  UpdateReportDto,
} from './reports.dto';
import { ReportsService } from './reports.service';

/** Your own reports of chat messages, users and bugs. */
@ApiTags('reports')
@Authenticated()
@ApiErrorResponses(401)
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Post()
  @ApiOperation({
    operationId: 'createReport',
    summary: 'Report a chat message, a user or a bug (409 with the existing report id while one is still open)',
    description:
      'Reports a chat message, a user or a bug to the platform admins, with a reason and description. Any ' +
      'signed-in user; 400 for reporting yourself, 404 for a target you cannot see, 409 with the existing report ' +
      'id while one is still open, 410 for a deleted target, 429 over the report rate.',
  })
  @ApiCreatedResponse({ type: ReportDto })
  @ApiErrorResponses(404, 409, 410)
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateReportDto): Promise<ReportDto> {
    return this.reports.create(user, dto);
  }

  @Get()
  @ApiOperation({
    operationId: 'listMyReports',
    summary: 'Your reports, newest first',
    description: 'Lists the reports you filed, newest first, with their status. Any signed-in user.',
  })
  @ApiOkResponse({ type: ReportPageDto })
  list(@CurrentUser() user: AuthUser, @Query() query: ListReportsQueryDto): Promise<ReportPageDto> {
    return this.reports.listOwn(user, query);
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'getMyReport',
    summary: 'One of your reports with its status history and replies',
    description:
      'Returns one of your reports with its status history and the replies admins made visible to you. Its ' +
      'reporter; 404 for others.',
  })
  @ApiOkResponse({ type: ReportDetailDto })
  @ApiErrorResponses(404)
  get(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<ReportDetailDto> {
    return this.reports.getOwn(user, id);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'updateMyReport',
    summary: 'Edit reason, title or description while the report is open',
    description:
      'Edits the reason, title or description of your report while it is open. Its reporter; 409 once it is in ' +
      'review or closed.',
  })
  @ApiOkResponse({ type: ReportDetailDto })
  @ApiErrorResponses(404, 409)
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateReportDto,
  ): Promise<ReportDetailDto> {
    return this.reports.updateOwn(user, id, dto);
  }

  @Post(':id/withdraw')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'withdrawMyReport',
    summary: 'Withdraw a report that is open or in review',
    description:
      'Withdraws your report while it is open or in review. Its reporter; 409 once it is resolved or dismissed.',
  })
  @ApiOkResponse({ type: ReportDetailDto })
  @ApiErrorResponses(404, 409)
  withdraw(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<ReportDetailDto> {
    return this.reports.withdraw(user, id);
  }
}
