import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { CurrentOrg, OrgContext, RequirePermission } from 'src/modules/organizations/organization.decorators';
import { Permission } from 'src/modules/organizations/permissions';
import {
  BulkCallsResultDto,
  BulkCreateCallsDto,
  CallDto,
  CallFeedbackDto,
  CallFeedbackInputDto,
  CallPageDto,
  CallStatsDto,
  CallStatsQueryDto,
  CreateCallDto,
  EndCallDto,
  ListCallsQueryDto,
  ScheduleCallDto,
  UpdateCallDto,
} from './calls.dto';
import { CallsService } from './calls.service';

/**
 * Call records of the organization: calls logged as they start, scheduled and bulk calls, end, transcript and
 * recording link, feedback and statistics. Visible to their creator, their participants and org admins.
 */
@ApiTags('calls')
@Authenticated()
@RequirePermission(Permission.MeetingsUse)
@ApiErrorResponses(401, 403, 404)
@Controller('video/calls')
export class CallsController {
  constructor(private readonly calls: CallsService) {}

  @Post()
  @ApiOperation({
    operationId: 'createCall',
    summary: 'Record a call starting now (in_progress); you are a participant. Sends call.started',
  })
  @ApiCreatedResponse({ type: CallDto })
  @ApiErrorResponses(400)
  create(@CurrentOrg() org: OrgContext, @CurrentUser() user: AuthUser, @Body() dto: CreateCallDto): Promise<CallDto> {
    return this.calls.create(org, user, dto);
  }

  @Get()
  @ApiOperation({
    operationId: 'listCalls',
    summary: 'Calls you created or take part in (admins: all of the organization), newest first',
  })
  @ApiOkResponse({ type: CallPageDto })
  @ApiErrorResponses(400)
  list(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Query() query: ListCallsQueryDto,
  ): Promise<CallPageDto> {
    return this.calls.list(org, user, query);
  }

  @Get('stats/summary')
  @ApiOperation({
    operationId: 'getCallStats',
    summary: 'Counts by status and direction, durations and mean rating of the calls you may see, in a window',
  })
  @ApiOkResponse({ type: CallStatsDto })
  @ApiErrorResponses(400)
  stats(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Query() query: CallStatsQueryDto,
  ): Promise<CallStatsDto> {
    return this.calls.stats(org, user, query);
  }

  @Post('schedule')
  @ApiOperation({
    operationId: 'scheduleCall',
    summary: 'Schedule a call: at scheduledAt it starts ringing and its participants get call.started',
  })
  @ApiCreatedResponse({ type: CallDto })
  @ApiErrorResponses(400)
  schedule(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Body() dto: ScheduleCallDto,
    @Req() request: FastifyRequest,
  ): Promise<CallDto> {
    return this.calls.schedule(org, user, dto, request.id);
  }

  @Post('bulk')
  @ApiOperation({
    operationId: 'createCallsBulk',
    summary: 'Up to 500 calls (scheduled or starting now) in one transaction: all are created or none',
  })
  @ApiCreatedResponse({ type: BulkCallsResultDto })
  @ApiErrorResponses(400)
  bulk(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Body() dto: BulkCreateCallsDto,
    @Req() request: FastifyRequest,
  ): Promise<BulkCallsResultDto> {
    return this.calls.bulk(org, user, dto, request.id);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getCall', summary: 'One call with its participants, transcript and recording link' })
  @ApiOkResponse({ type: CallDto })
  get(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<CallDto> {
    return this.calls.get(org, user, id);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateCall', summary: 'Set or clear the transcript, recording link, notes or subject' })
  @ApiOkResponse({ type: CallDto })
  @ApiErrorResponses(400)
  update(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateCallDto,
  ): Promise<CallDto> {
    return this.calls.update(org, user, id, dto);
  }

  @Post(':id/end')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'endCall',
    summary: 'End a ringing or in-progress call (completed by default); 409 when it is not active. Sends call.ended',
  })
  @ApiOkResponse({ type: CallDto })
  @ApiErrorResponses(400, 409)
  end(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: EndCallDto,
  ): Promise<CallDto> {
    return this.calls.end(org, user, id, dto);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'cancelCall',
    summary: 'Cancel a scheduled call and remove its job (creator or admin); 409 once it started',
  })
  @ApiOkResponse({ type: CallDto })
  @ApiErrorResponses(409)
  cancel(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<CallDto> {
    return this.calls.cancel(org, user, id);
  }

  @Post(':id/feedback')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'submitCallFeedback',
    summary: 'Rate an ended call (1–5, comment); one per member: a second submission replaces the first',
  })
  @ApiOkResponse({ type: CallFeedbackDto })
  @ApiErrorResponses(400, 409)
  feedback(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CallFeedbackInputDto,
  ): Promise<CallFeedbackDto> {
    return this.calls.feedback(org, user, id, dto);
  }
}
