import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { ApiIdempotencyKey, idempotencyKeyOf } from 'src/common/http/idempotency-key';
import { CurrentOrg, OrgContext, RequirePermission } from 'src/modules/organizations/organization.decorators';
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
import { CallFeedbackService } from './call-feedback.service';
import { CallRecordsService } from './call-records.service';
import { CallSchedulingService } from './call-scheduling.service';
import { Created, CallsService } from './calls.service';
import { MeetingsPermission } from 'src/modules/meetings/meetings.domain';

/**
 * Call records of the organization: calls logged as they start, scheduled and bulk calls, end, transcript and
 * recording link, feedback and statistics. Visible to their creator, their participants and org admins.
 */
@ApiTags('calls')
@Authenticated()
@RequirePermission(MeetingsPermission.Use)
@ApiErrorResponses(401, 403, 404)
@Controller('video/calls')
export class CallsController {
  constructor(
    private readonly calls: CallsService,
    private readonly records: CallRecordsService,
    private readonly scheduling: CallSchedulingService,
    private readonly callFeedback: CallFeedbackService,
  ) {}

  @Post()
  @ApiOperation({
    operationId: 'createCall',
    summary: 'Record a call starting now (in_progress); you are a participant. Sends call.started',
    description:
      'Records a call that starts now (in_progress) with you as a participant and sends call.started to the ' +
      'others. Members with meetings.use; 400 for invalid participants; an Idempotency-Key replay answers 200 ' +
      'with the first result.',
  })
  @ApiIdempotencyKey(
    'A retry with the same key (same user and organization) answers what the first request created (200)',
  )
  @ApiCreatedResponse({ type: CallDto })
  @ApiOkResponse({ type: CallDto, description: 'Replay of an earlier request with this Idempotency-Key' })
  @ApiErrorResponses(400)
  async create(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateCallDto,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CallDto> {
    return answer(reply, await this.calls.create(org, user, dto, idempotencyKeyOf(key)));
  }

  @Get()
  @ApiOperation({
    operationId: 'listCalls',
    summary: 'Calls you created or take part in (admins: all of the organization), newest first',
    description:
      'Lists the calls you created or take part in, newest first, filterable by status, direction, participant, ' +
      'phone number and time window; organization admins see all. Members with meetings.use; 400 for an invalid ' +
      'cursor or filter.',
  })
  @ApiOkResponse({ type: CallPageDto })
  @ApiErrorResponses(400)
  list(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Query() query: ListCallsQueryDto,
  ): Promise<CallPageDto> {
    return this.records.list(org, user, query);
  }

  @Get('stats/summary')
  @ApiOperation({
    operationId: 'getCallStats',
    summary: 'Counts by status and direction, durations and mean rating of the calls you may see, in a window',
    description:
      'Sums the calls you may see within a time window: counts by status and direction, durations and mean ' +
      'rating. Members with meetings.use; 400 for an invalid window.',
  })
  @ApiOkResponse({ type: CallStatsDto })
  @ApiErrorResponses(400)
  stats(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Query() query: CallStatsQueryDto,
  ): Promise<CallStatsDto> {
    return this.callFeedback.stats(org, user, query);
  }

  @Post('schedule')
  @ApiOperation({
    operationId: 'scheduleCall',
    summary: 'Schedule a call: at scheduledAt it starts ringing and its participants get call.started',
    description:
      'Schedules a call: at scheduledAt a job makes it ring and its participants get call.started. Members with ' +
      'meetings.use; 400 for a past scheduledAt or invalid participants; an Idempotency-Key replay answers 200.',
  })
  @ApiIdempotencyKey(
    'A retry with the same key (same user and organization) answers what the first request created (200)',
  )
  @ApiCreatedResponse({ type: CallDto })
  @ApiOkResponse({ type: CallDto, description: 'Replay of an earlier request with this Idempotency-Key' })
  @ApiErrorResponses(400)
  async schedule(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Body() dto: ScheduleCallDto,
    @Req() request: FastifyRequest,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CallDto> {
    return answer(reply, await this.scheduling.schedule(org, user, dto, request.id, idempotencyKeyOf(key)));
  }

  @Post('bulk')
  @ApiOperation({
    operationId: 'createCallsBulk',
    summary: 'Up to 500 calls (scheduled or starting now) in one transaction: all are created or none',
    description:
      'Creates up to 500 calls, scheduled or starting now, in one transaction: all are created or none, and ' +
      'details name each bad entry. Members with meetings.use; 400 when any entry is invalid.',
  })
  @ApiIdempotencyKey(
    'A retry with the same key (same user and organization) answers what the first request created (200)',
  )
  @ApiCreatedResponse({ type: BulkCallsResultDto })
  @ApiOkResponse({ type: BulkCallsResultDto, description: 'Replay of an earlier request with this Idempotency-Key' })
  @ApiErrorResponses(400)
  async bulk(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Body() dto: BulkCreateCallsDto,
    @Req() request: FastifyRequest,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BulkCallsResultDto> {
    return answer(reply, await this.scheduling.bulk(org, user, dto, request.id, idempotencyKeyOf(key)));
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'getCall',
    summary: 'One call with its participants, transcript and recording link',
    description:
      'Returns one call with its participants, transcript and recording link. Its creator, participants and ' +
      'organization admins; 404 for others.',
  })
  @ApiOkResponse({ type: CallDto })
  get(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<CallDto> {
    return this.records.get(org, user, id);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'updateCall',
    summary: 'Set or clear the transcript, recording link, notes or subject',
    description:
      'Sets or clears the transcript, recording link, notes or subject of a call. Its creator, participants and ' +
      'organization admins; 400 for invalid values.',
  })
  @ApiOkResponse({ type: CallDto })
  @ApiErrorResponses(400)
  update(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateCallDto,
  ): Promise<CallDto> {
    return this.records.update(org, user, id, dto);
  }

  @Post(':id/end')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'endCall',
    summary: 'End a ringing or in-progress call (completed by default); 409 when it is not active. Sends call.ended',
    description:
      'Ends a ringing or in-progress call, as completed unless another outcome is given, and sends call.ended. ' +
      'Its creator, participants and organization admins; 409 when it is not active.',
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
    description:
      'Cancels a scheduled call and removes the job that would start it. Its creator or an organization admin; ' +
      '403 for others, 409 once it started.',
  })
  @ApiOkResponse({ type: CallDto })
  @ApiErrorResponses(409)
  cancel(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<CallDto> {
    return this.scheduling.cancel(org, user, id);
  }

  @Post(':id/feedback')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'submitCallFeedback',
    summary: 'Rate an ended call (1–5, comment); one per member: a second submission replaces the first',
    description:
      'Rates an ended call from 1 to 5 with an optional comment; one rating per member, a second one replaces ' +
      'the first. Its creator, participants and organization admins; 409 while the call has not ended.',
  })
  @ApiOkResponse({ type: CallFeedbackDto })
  @ApiErrorResponses(400, 409)
  feedback(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: CallFeedbackInputDto,
  ): Promise<CallFeedbackDto> {
    return this.callFeedback.feedback(org, user, id, dto);
  }
}

/** 201 for what this request created, 200 for a replay. */
function answer<T>(reply: FastifyReply, created: Created<T>): T {
  reply.status(created.replayed ? HttpStatus.OK : HttpStatus.CREATED);
  return created.result;
}
