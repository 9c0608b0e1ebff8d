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
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthUser } from 'src/common/auth/auth-user';
import { Authenticated, CurrentUser, Public } from 'src/common/auth/auth.decorators';
import { ApiErrorResponses } from 'src/common/http/api-error-responses.decorator';
import { NoStore } from 'src/common/http/no-store';
import { sendDownload } from 'src/common/http/file-download';
import { AuthRateLimit } from 'src/common/rate-limit/rate-limit.module';
import { CurrentOrg, OrgContext, RequirePermission } from 'src/modules/organizations/organization.decorators';
import {
  CreateMeetingDto,
  GuestTokenRequestDto,
  JoinTokenDto,
  ListMeetingsQueryDto,
  MeetingDto,
  MeetingPageDto,
  MeetingParticipantPageDto,
  ParticipantsQueryDto,
  RecordingDto,
  RecordingListDto,
  UpdateMeetingDto,
} from './meetings.dto';
import { MeetingsService } from './meetings.service';
import { MeetingRecordingsService } from './recording/meeting-recordings.service';
import { MeetingsPermission } from './meetings.domain';

/** Video meetings of the organization: scheduling, lifecycle, invitees, join tokens, participant history. */
@ApiTags('meetings')
@Authenticated()
@RequirePermission(MeetingsPermission.Use)
@ApiErrorResponses(401, 403, 404)
@Controller('video/meetings')
export class MeetingsController {
  constructor(private readonly meetings: MeetingsService) {}

  @Post()
  @ApiOperation({
    operationId: 'createMeeting',
    summary: 'Schedule a meeting (or an instant one); you are its host',
    description:
      'Schedules a video meeting on the SFU, or an instant one, with its settings and invitees; you are its ' +
      'host. Members with meetings.use; 400 for an invalid schedule or invitees who are not organization ' +
      'members.',
  })
  @ApiCreatedResponse({ type: MeetingDto })
  @ApiErrorResponses(400)
  create(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateMeetingDto,
  ): Promise<MeetingDto> {
    return this.meetings.create(org, user, dto);
  }

  @Get()
  @ApiOperation({
    operationId: 'listMeetings',
    summary: 'Meetings you host or are invited to (admins: all of the organization), newest first',
    description:
      'Lists the meetings you host or are invited to, newest first, filterable by status, time range and host; ' +
      'organization admins see all of them. Members with meetings.use; 400 for an invalid cursor or filter.',
  })
  @ApiOkResponse({ type: MeetingPageDto })
  @ApiErrorResponses(400)
  list(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Query() query: ListMeetingsQueryDto,
  ): Promise<MeetingPageDto> {
    return this.meetings.list(org, user, query);
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'getMeeting',
    summary: 'One meeting with its settings and invitees',
    description:
      'Returns one meeting with its state, settings and invitees. Its host, invitees and organization admins; ' +
      '404 for others.',
  })
  @ApiOkResponse({ type: MeetingDto })
  get(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<MeetingDto> {
    return this.meetings.get(org, user, id);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'updateMeeting',
    summary: 'Change a meeting (host; not once ended or cancelled)',
    description:
      'Changes the title, schedule, settings or invitees of a meeting. Its host; 403 for others, 409 once it ' +
      'ended or was cancelled.',
  })
  @ApiOkResponse({ type: MeetingDto })
  @ApiErrorResponses(400, 409)
  update(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateMeetingDto,
  ): Promise<MeetingDto> {
    return this.meetings.update(org, user, id, dto);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'cancelMeeting',
    summary: 'Cancel a scheduled meeting (host; 409 while live)',
    description:
      'Cancels a scheduled meeting so it can no longer be joined. Its host; 403 for others, 409 while it is live ' +
      'or once it ended or was cancelled.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(409)
  async cancel(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.meetings.cancel(org, user, id);
  }

  @Post(':id/start')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'startMeeting',
    summary: 'Start a scheduled meeting (host): it becomes live',
    description:
      'Starts a scheduled meeting: it becomes live on the SFU and its host and invitees get meeting.started. Its ' +
      'host; 409 when it is not scheduled.',
  })
  @ApiOkResponse({ type: MeetingDto })
  @ApiErrorResponses(409)
  start(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<MeetingDto> {
    return this.meetings.start(org, user, id);
  }

  @Post(':id/stop')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'stopMeeting',
    summary: 'End a live meeting for everyone (host)',
    description:
      'Ends a live meeting for everyone: the participant entries still open are closed and meeting.ended is ' +
      'sent. Its host; 409 when it is not live.',
  })
  @ApiOkResponse({ type: MeetingDto })
  @ApiErrorResponses(409)
  stop(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<MeetingDto> {
    return this.meetings.stop(org, user, id);
  }

  @Get(':id/participants')
  @ApiOperation({
    operationId: 'listMeetingParticipants',
    summary: 'Who joined and left when, in order of joining',
    description:
      'Lists who joined the meeting and when each left, in order of joining. Those who may see the meeting; 400 ' +
      'for an invalid cursor.',
  })
  @ApiOkResponse({ type: MeetingParticipantPageDto })
  @ApiErrorResponses(400)
  participants(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: ParticipantsQueryDto,
  ): Promise<MeetingParticipantPageDto> {
    return this.meetings.participants(org, user, id, query);
  }

  @Post(':id/join-token')
  @NoStore()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'createMeetingJoinToken',
    summary: 'A short-lived token to join this meeting over the /meetings namespace (host, invitees, admins)',
    description:
      'Issues a short-lived token to join this meeting over the /meetings Socket.IO namespace. Its host, ' +
      'invitees and organization admins; 409 when the meeting cannot be joined in its current state.',
  })
  @ApiOkResponse({ type: JoinTokenDto })
  @ApiErrorResponses(409)
  joinToken(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<JoinTokenDto> {
    return this.meetings.joinToken(org, user, id);
  }
}

/** Joining as a guest by link: no account, only when the host allows guests. */
@ApiTags('meetings')
@Public()
@Controller('video/meetings')
export class MeetingGuestsController {
  constructor(private readonly meetings: MeetingsService) {}

  @Post(':id/guest-token')
  @NoStore()
  @HttpCode(HttpStatus.OK)
  @AuthRateLimit()
  @ApiOperation({
    operationId: 'createMeetingGuestToken',
    summary:
      'A join token for a guest (no auth; the meeting allows guests and is scheduled or live; rate-limited per IP)',
    description:
      'Issues a join token for a guest with a display name; no account needed. Public and rate-limited per IP; ' +
      '403 when the meeting does not allow guests, 409 when it is neither scheduled nor live.',
  })
  @ApiOkResponse({ type: JoinTokenDto })
  @ApiErrorResponses(400, 403, 404, 409, 429)
  guestToken(@Param('id', ParseUUIDPipe) id: string, @Body() dto: GuestTokenRequestDto): Promise<JoinTokenDto> {
    return this.meetings.guestToken(id, dto.name);
  }
}

/** Recordings of a live meeting: started and stopped by the host; one file per recorded producer. */
@ApiTags('meetings')
@Authenticated()
@RequirePermission(MeetingsPermission.Use)
@ApiErrorResponses(401, 403, 404)
@Controller('video/meetings/:id/recordings')
export class MeetingRecordingsController {
  constructor(private readonly recordings: MeetingRecordingsService) {}

  @Post()
  @ApiOperation({
    operationId: 'startMeetingRecording',
    summary: 'Record the live meeting (host; settings.recordingAllowed): every camera, microphone and screen',
    description:
      'Starts recording a live meeting: every camera, microphone and screen producer goes to its own file. Its ' +
      'host, when settings.recordingAllowed; 403 otherwise, 409 when not live or already recording, 503 when no ' +
      'recorder is available.',
  })
  @ApiCreatedResponse({ type: RecordingDto })
  @ApiErrorResponses(409, 503)
  start(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<RecordingDto> {
    return this.recordings.start(org, user, id);
  }

  @Get()
  @ApiOperation({
    operationId: 'listMeetingRecordings',
    summary: 'The meeting’s recordings, newest first',
    description: 'Lists the recordings of a meeting, newest first, with their tracks. Those who may see the meeting.',
  })
  @ApiOkResponse({ type: RecordingListDto })
  async list(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<RecordingListDto> {
    return { items: await this.recordings.list(org, user, id) };
  }

  @Get(':recordingId')
  @ApiOperation({
    operationId: 'getMeetingRecording',
    summary: 'One recording with its tracks',
    description:
      'Returns one recording with its state and tracks. Those who may see the meeting; 404 for an unknown ' +
      'recording.',
  })
  @ApiOkResponse({ type: RecordingDto })
  get(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('recordingId', ParseUUIDPipe) recordingId: string,
  ): Promise<RecordingDto> {
    return this.recordings.get(org, user, id, recordingId);
  }

  @Post(':recordingId/stop')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    operationId: 'stopMeetingRecording',
    summary: 'Stop recording (host): the files are finished',
    description: 'Stops a running recording; its files are finished and become downloadable. Its host.',
  })
  @ApiOkResponse({ type: RecordingDto })
  stop(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('recordingId', ParseUUIDPipe) recordingId: string,
  ): Promise<RecordingDto> {
    return this.recordings.stop(org, user, id, recordingId);
  }

  @Get(':recordingId/tracks/:trackId/file')
  @ApiOperation({
    operationId: 'downloadMeetingRecordingTrack',
    summary: 'Download one recorded track (host): WebM (VP8/VP9/Opus) or Matroska (H.264), as recorded',
    description:
      'Streams one recorded track as it was recorded: WebM (VP8/VP9/Opus) or Matroska (H.264). The meeting host; ' +
      '404 for an unknown track.',
  })
  @ApiProduces('video/webm', 'audio/webm', 'video/x-matroska')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  async download(
    @CurrentOrg() org: OrgContext,
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('recordingId', ParseUUIDPipe) recordingId: string,
    @Param('trackId', ParseUUIDPipe) trackId: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const file = await this.recordings.open(org, user, id, recordingId, trackId);
    await sendDownload(
      reply,
      { contentType: file.contentType, filename: file.filename, fallback: 'recording', size: file.size },
      file.stream,
    );
  }
}
