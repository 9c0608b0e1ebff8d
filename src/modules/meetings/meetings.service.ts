import { DomainEventBus } from 'src/common/events/domain-events';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthUser } from 'src/common/auth/auth-user';
import { decodeKeysetCursor, encodeKeysetCursor } from 'src/common/http/keyset-cursor';
import { nonMembers } from 'src/modules/organizations/non-members';
import { isOrgAdmin, OrgContext } from 'src/modules/organizations/organization.decorators';
import { RealtimeService } from 'src/realtime/realtime.service';
import { randomUUID } from 'node:crypto';
import type {} from './meetings.webhooks';
import {
  DEFAULT_MEETING_SETTINGS,
  Meeting,
  MeetingInvitee,
  MeetingParticipant,
  MeetingSettings,
  MeetingStatus,
} from './meeting.entity';
import { MeetingRole, MeetingTokensService } from './meeting-tokens.service';
import {
  CreateMeetingDto,
  InviteesInputDto,
  JoinTokenDto,
  ListMeetingsQueryDto,
  MeetingDto,
  MeetingPageDto,
  MeetingParticipantPageDto,
  MeetingSettingsInputDto,
  ParticipantsQueryDto,
  UpdateMeetingDto,
} from './meetings.dto';
import { MeetingError, MeetingErrorCode, meetingNotFound } from './meetings.errors';
import { MeetingsRepository } from './meetings.repository';

const invalidCursor = (): MeetingError =>
  new MeetingError(MeetingErrorCode.InvalidCursor, 'cursor is not one returned by this list', { field: 'cursor' });

/**
 * Meetings as resources: scheduling, invitees, the status lifecycle (scheduled → live → ended, or cancelled), join
 * tokens and the participant history. The signalling (`/meetings` namespace) builds on `goLive()`, `end()`,
 * `recordJoin()` and `recordLeave()`; HTTP routes authorize and then call the same methods.
 */
@Injectable()
export class MeetingsService {
  private readonly endedListeners: ((meetingId: string) => void)[] = [];

  constructor(
    private readonly em: EntityManager,
    private readonly tokens: MeetingTokensService,
    private readonly events: DomainEventBus,
    private readonly realtime: RealtimeService,
    private readonly meetings: MeetingsRepository,
  ) {}

  async create(org: OrgContext, actor: AuthUser, dto: CreateMeetingDto): Promise<MeetingDto> {
    assertSchedule(dto.scheduledStart ?? null, dto.scheduledEnd ?? null);
    const id = await this.em.transactional(async (em) => {
      const meeting = em.create(Meeting, {
        organization: org.id,
        title: dto.title,
        description: dto.description ?? null,
        host: actor.id,
        scheduledStart: dto.scheduledStart ?? null,
        scheduledEnd: dto.scheduledEnd ?? null,
        settings: mergeSettings(DEFAULT_MEETING_SETTINGS, dto.settings),
      });
      await this.replaceInvitees(em, org, meeting, dto.invitees ?? {}, actor.id);
      await em.flush();
      return meeting.id;
    });
    return this.get(org, actor, id);
  }

  async list(org: OrgContext, actor: AuthUser, query: ListMeetingsQueryDto): Promise<MeetingPageDto> {
    const ids = await this.meetings.findPageIds({
      organizationId: org.id,
      visibleTo: query.mine || !isOrgAdmin(org) ? actor.id : undefined,
      status: query.status,
      from: query.from,
      to: query.to,
      hostId: query.hostId,
      after: query.cursor ? decodeKeysetCursor(query.cursor, invalidCursor) : undefined,
      limit: query.limit,
    });
    const page = ids.slice(0, query.limit);
    const meetings = page.length ? await this.em.find(Meeting, { id: { $in: page } }) : [];
    const byId = new Map(meetings.map((m) => [m.id, m]));
    const ordered = page.map((id) => byId.get(id)!).filter(Boolean);
    const items = await this.toDtos(ordered);
    const last = ordered[ordered.length - 1];
    return {
      items,
      nextCursor: ids.length > query.limit && last ? encodeKeysetCursor(last.createdAt, last.id) : null,
    };
  }

  async get(org: OrgContext, actor: AuthUser, id: string): Promise<MeetingDto> {
    const meeting = await this.findVisible(org, actor, id);
    return (await this.toDtos([meeting]))[0];
  }

  async update(org: OrgContext, actor: AuthUser, id: string, dto: UpdateMeetingDto): Promise<MeetingDto> {
    await this.em.transactional(async (em) => {
      const meeting = await this.findAsHost(org, actor, id, em);
      if (meeting.status === MeetingStatus.Ended || meeting.status === MeetingStatus.Cancelled) {
        throw new MeetingError(MeetingErrorCode.InvalidState, `A ${meeting.status} meeting cannot be changed`, {
          status: meeting.status,
        });
      }
      if (dto.title !== undefined) {
        meeting.title = dto.title;
      }
      if (dto.description !== undefined) {
        meeting.description = dto.description;
      }
      if (dto.scheduledStart !== undefined) {
        meeting.scheduledStart = dto.scheduledStart;
      }
      if (dto.scheduledEnd !== undefined) {
        meeting.scheduledEnd = dto.scheduledEnd;
      }
      assertSchedule(meeting.scheduledStart ?? null, meeting.scheduledEnd ?? null);
      if (dto.settings) {
        meeting.settings = mergeSettings(meeting.settings, dto.settings);
      }
      if (dto.invitees) {
        await this.replaceInvitees(em, org, meeting, dto.invitees, actor.id);
      }
      await em.flush();
    });
    return this.get(org, actor, id);
  }

  /** DELETE: a scheduled meeting becomes cancelled (kept for history). Live ones must be stopped first. */
  async cancel(org: OrgContext, actor: AuthUser, id: string): Promise<void> {
    const meeting = await this.findAsHost(org, actor, id);
    if (meeting.status !== MeetingStatus.Scheduled) {
      throw new MeetingError(
        MeetingErrorCode.InvalidState,
        meeting.status === MeetingStatus.Live
          ? 'A live meeting cannot be cancelled; stop it first'
          : `The meeting is already ${meeting.status}`,
        { status: meeting.status },
      );
    }
    meeting.status = MeetingStatus.Cancelled;
    await this.em.flush();
  }

  async start(org: OrgContext, actor: AuthUser, id: string): Promise<MeetingDto> {
    await this.findAsHost(org, actor, id);
    return (await this.toDtos([await this.goLive(id)]))[0];
  }

  async stop(org: OrgContext, actor: AuthUser, id: string): Promise<MeetingDto> {
    await this.findAsHost(org, actor, id);
    return (await this.toDtos([await this.end(id)]))[0];
  }

  /**
   * The seam for the signalling: a scheduled meeting goes live (`startedAt` now); after commit, `meeting.started`
   * to the host's and invitees' sockets and as a webhook. 409 when it is not scheduled.
   */
  async goLive(meetingId: string): Promise<Meeting> {
    const meeting = await this.em.fork().transactional(async (em) => {
      const m = await em.findOne(Meeting, meetingId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!m) {
        throw meetingNotFound();
      }
      if (m.status !== MeetingStatus.Scheduled) {
        throw new MeetingError(MeetingErrorCode.InvalidState, `A ${m.status} meeting cannot be started`, {
          status: m.status,
        });
      }
      m.status = MeetingStatus.Live;
      m.startedAt = new Date();
      await em.flush();
      return m;
    });
    await this.announce(meeting, 'started');
    return meeting;
  }

  /**
   * Ends a live meeting (`endedAt` now) and closes the participant rows still open; after commit, `meeting.ended`.
   * The signalling calls it too (host "end for all", last one left).
   */
  async end(meetingId: string): Promise<Meeting> {
    const meeting = await this.em.fork().transactional(async (em) => {
      const m = await em.findOne(Meeting, meetingId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!m) {
        throw meetingNotFound();
      }
      if (m.status !== MeetingStatus.Live) {
        throw new MeetingError(MeetingErrorCode.InvalidState, `A ${m.status} meeting cannot be stopped`, {
          status: m.status,
        });
      }
      m.status = MeetingStatus.Ended;
      m.endedAt = new Date();
      await em.flush();
      await this.meetings.closeOpenParticipants(em, m.id, m.endedAt);
      return m;
    });
    await this.announce(meeting, 'ended');
    for (const listener of this.endedListeners) {
      listener(meeting.id);
    }
    return meeting;
  }

  /** The signalling closes the meeting's room and disconnects its peers when it ends, whoever ended it. */
  onEnded(listener: (meetingId: string) => void): void {
    this.endedListeners.push(listener);
  }

  /** The signalling records someone entering a live meeting; returns the participant row's id for `recordLeave`. */
  async recordJoin(meetingId: string, who: { userId?: string; guestName?: string }): Promise<string> {
    const em = this.em.fork();
    const row = em.create(MeetingParticipant, {
      meeting: meetingId,
      user: who.userId ?? null,
      guestName: who.guestName ?? null,
    });
    await em.flush();
    return row.id;
  }

  async recordLeave(participantId: string): Promise<void> {
    const em = this.em.fork();
    const row = await em.findOne(MeetingParticipant, participantId);
    if (!row || row.leftAt) {
      return;
    }
    row.leftAt = new Date();
    row.durationSeconds = Math.max(0, Math.floor((row.leftAt.getTime() - row.joinedAt.getTime()) / 1000));
    await em.flush();
  }

  async participants(
    org: OrgContext,
    actor: AuthUser,
    id: string,
    query: ParticipantsQueryDto,
  ): Promise<MeetingParticipantPageDto> {
    const meeting = await this.findVisible(org, actor, id);
    const after = query.cursor ? decodeKeysetCursor(query.cursor, invalidCursor) : null;
    const rows = await this.em.find(
      MeetingParticipant,
      after
        ? {
            meeting,
            $or: [{ joinedAt: { $gt: after.at } }, { joinedAt: after.at, id: { $gt: after.id } }],
          }
        : { meeting },
      { orderBy: { joinedAt: 'asc', id: 'asc' }, limit: query.limit + 1 },
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((p) => ({
        id: p.id,
        userId: p.user?.id ?? null,
        guestName: p.guestName ?? null,
        joinedAt: p.joinedAt.toISOString(),
        leftAt: p.leftAt ? p.leftAt.toISOString() : null,
        durationSeconds: p.durationSeconds ?? null,
      })),
      nextCursor: rows.length > query.limit && last ? encodeKeysetCursor(last.joinedAt, last.id) : null,
    };
  }

  /** A join token for someone who may see the meeting (host → role host), while it is scheduled or live. */
  async joinToken(org: OrgContext, actor: AuthUser, id: string): Promise<JoinTokenDto> {
    const meeting = await this.findVisible(org, actor, id);
    assertJoinable(meeting);
    const role: MeetingRole = meeting.host.id === actor.id ? 'host' : 'participant';
    const { token, expiresAt } = await this.tokens.sign({ sub: actor.id, mid: meeting.id, role });
    return { token, expiresAt: expiresAt.toISOString(), meetingId: meeting.id, role };
  }

  /** Without an account: only when the host allows guests and the meeting is scheduled or live. */
  async guestToken(id: string, name: string): Promise<JoinTokenDto> {
    const meeting = await this.em.findOne(Meeting, id);
    if (!meeting) {
      throw meetingNotFound();
    }
    if (!meeting.settings.guestsAllowed) {
      throw new MeetingError(MeetingErrorCode.GuestsNotAllowed, 'The host does not allow guests in this meeting');
    }
    assertJoinable(meeting);
    const { token, expiresAt } = await this.tokens.sign({
      sub: `guest:${randomUUID()}`,
      mid: meeting.id,
      role: 'guest',
      name,
    });
    return { token, expiresAt: expiresAt.toISOString(), meetingId: meeting.id, role: 'guest' };
  }

  // ---- internals ----

  async findVisible(org: OrgContext, actor: AuthUser, id: string): Promise<Meeting> {
    const meeting = await this.em.findOne(Meeting, { id, organization: org.id });
    if (!meeting) {
      throw meetingNotFound();
    }
    if (meeting.host.id === actor.id || isOrgAdmin(org)) {
      return meeting;
    }
    const invited = await this.em.count(MeetingInvitee, { meeting, user: actor.id });
    if (invited === 0) {
      throw meetingNotFound();
    }
    return meeting;
  }

  async findAsHost(org: OrgContext, actor: AuthUser, id: string, em = this.em): Promise<Meeting> {
    const meeting = await em.findOne(Meeting, { id, organization: org.id });
    if (!meeting) {
      throw meetingNotFound();
    }
    if (meeting.host.id === actor.id) {
      return meeting;
    }
    if (!isOrgAdmin(org) && (await em.count(MeetingInvitee, { meeting, user: actor.id })) === 0) {
      throw meetingNotFound();
    }
    throw new MeetingError(MeetingErrorCode.HostRequired, 'Only the host can do this');
  }

  private async replaceInvitees(
    em: EntityManager,
    org: OrgContext,
    meeting: Meeting,
    input: InviteesInputDto,
    hostId: string,
  ): Promise<void> {
    const userIds = [...new Set(input.userIds ?? [])].filter((u) => u !== hostId);
    const emails = [...new Set((input.emails ?? []).map((e) => e.toLowerCase()))];
    const strangers = await nonMembers(em, org.id, userIds);
    if (strangers.length > 0) {
      throw new MeetingError(MeetingErrorCode.InvalidInvitee, 'Invitees must be members of the organization', {
        field: 'invitees.userIds',
        userIds: strangers,
      });
    }
    await em.nativeDelete(MeetingInvitee, { meeting: meeting.id });
    for (const userId of userIds) {
      em.create(MeetingInvitee, { meeting, user: userId });
    }
    for (const email of emails) {
      em.create(MeetingInvitee, { meeting, email });
    }
  }

  private async inviteeUserIds(meetingId: string): Promise<string[]> {
    const rows = await this.em.fork().find(MeetingInvitee, { meeting: meetingId, user: { $ne: null } });
    return rows.map((r) => r.user!.id);
  }

  /** After commit: `meeting.started` / `meeting.ended` to the host's and invitees' sockets, and as a webhook. */
  private async announce(meeting: Meeting, what: 'started' | 'ended'): Promise<void> {
    const inviteeIds = await this.inviteeUserIds(meeting.id);
    const base = {
      meetingId: meeting.id,
      organizationId: meeting.organization.id,
      title: meeting.title,
      hostId: meeting.host.id,
    };
    const recipients = [meeting.host.id, ...inviteeIds];
    const startedAt = (meeting.startedAt ?? new Date()).toISOString();
    const webhookData = { meetingId: meeting.id, title: meeting.title, hostId: meeting.host.id, inviteeIds, startedAt };
    if (what === 'started') {
      for (const userId of recipients) {
        this.realtime.toUser(userId, 'meeting.started', { ...base, startedAt });
      }
      await this.events.publish('meeting.started', { organizationId: meeting.organization.id, data: webhookData });
    } else {
      const endedAt = (meeting.endedAt ?? new Date()).toISOString();
      for (const userId of recipients) {
        this.realtime.toUser(userId, 'meeting.ended', {
          ...base,
          startedAt: meeting.startedAt?.toISOString() ?? null,
          endedAt,
        });
      }
      await this.events.publish('meeting.ended', {
        organizationId: meeting.organization.id,
        data: { ...webhookData, endedAt },
      });
    }
  }

  private async toDtos(meetings: Meeting[]): Promise<MeetingDto[]> {
    if (meetings.length === 0) {
      return [];
    }
    const invitees = await this.em.find(
      MeetingInvitee,
      { meeting: { $in: meetings.map((m) => m.id) } },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    const byMeeting = new Map<string, MeetingInvitee[]>();
    for (const invitee of invitees) {
      const list = byMeeting.get(invitee.meeting.id) ?? [];
      list.push(invitee);
      byMeeting.set(invitee.meeting.id, list);
    }
    return meetings.map((m) => ({
      id: m.id,
      organizationId: m.organization.id,
      title: m.title,
      description: m.description ?? null,
      hostId: m.host.id,
      status: m.status,
      scheduledStart: m.scheduledStart ? m.scheduledStart.toISOString() : null,
      scheduledEnd: m.scheduledEnd ? m.scheduledEnd.toISOString() : null,
      startedAt: m.startedAt ? m.startedAt.toISOString() : null,
      endedAt: m.endedAt ? m.endedAt.toISOString() : null,
      settings: { ...DEFAULT_MEETING_SETTINGS, ...m.settings },
      invitees: (byMeeting.get(m.id) ?? []).map((i) => ({ userId: i.user?.id ?? null, email: i.email ?? null })),
      createdAt: m.createdAt.toISOString(),
    }));
  }
}

function mergeSettings(base: MeetingSettings, input: MeetingSettingsInputDto | undefined): MeetingSettings {
  return {
    waitingRoom: input?.waitingRoom ?? base.waitingRoom,
    maxParticipants: input?.maxParticipants ?? base.maxParticipants,
    recordingAllowed: input?.recordingAllowed ?? base.recordingAllowed,
    guestsAllowed: input?.guestsAllowed ?? base.guestsAllowed,
  };
}

function assertSchedule(start: Date | null, end: Date | null): void {
  if (end && !start) {
    throw new MeetingError(MeetingErrorCode.InvalidSchedule, 'scheduledEnd needs a scheduledStart', {
      field: 'scheduledStart',
    });
  }
  if (start && end && end.getTime() <= start.getTime()) {
    throw new MeetingError(MeetingErrorCode.InvalidSchedule, 'scheduledEnd must be after scheduledStart', {
      field: 'scheduledEnd',
    });
  }
}

/** 409 `MEETING_NOT_JOINABLE` unless the meeting is scheduled or live. */
export function assertJoinable(meeting: Meeting): void {
  if (meeting.status !== MeetingStatus.Scheduled && meeting.status !== MeetingStatus.Live) {
    throw new MeetingError(MeetingErrorCode.NotJoinable, `The meeting is ${meeting.status}`, {
      status: meeting.status,
    });
  }
}
