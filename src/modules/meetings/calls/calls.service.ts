import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AuthUser } from 'src/common/auth/auth-user';
import { FieldError } from 'src/common/errors/app-error';
import { decodeKeysetCursor, encodeKeysetCursor } from 'src/common/http/keyset-cursor';
import { Meeting } from 'src/modules/meetings/meeting.entity';
import { MeetingError, MeetingErrorCode } from 'src/modules/meetings/meetings.errors';
import { MeetingsService } from 'src/modules/meetings/meetings.service';
import { nonMembers } from 'src/modules/organizations/non-members';
import { isOrgAdmin, OrgContext } from 'src/modules/organizations/organization.decorators';
import { WebhookEventType } from 'src/modules/webhooks/webhook-events';
import { WebhooksService } from 'src/modules/webhooks/webhooks.service';
import { JobPayloads } from 'src/queue/queue.types';
import { CALLS_QUEUE, CallsJob } from './calls.jobs';
import { RealtimeService } from 'src/realtime/realtime.service';
import { callRuleProblems } from './call-rules';
import { Call, CallDirection, CallParticipant, CallStatus } from './call.entity';
import {
  BulkCallsResultDto,
  BulkCreateCallsDto,
  CallDto,
  CallFeedbackDto,
  CallFeedbackInputDto,
  CallOutcome,
  CallPageDto,
  CallStatsDto,
  CallStatsQueryDto,
  CreateCallDto,
  EndCallDto,
  ListCallsQueryDto,
  ScheduleCallDto,
  UpdateCallDto,
} from './calls.dto';
import { CallError, CallErrorCode, callNotFound, invalidCallInput } from './calls.errors';
import { CallScope, CallsRepository, ENDED_CALL_STATUSES } from './calls.repository';

/** The delayed job that starts a scheduled call: one per call, so a retried request or a sweep never adds a second. */
export const startCallJobId = (callId: string): string => `call-start-${callId}`;

/** Scheduled calls this long past their time without having started get their job again (`requeueStale`). */
const STALE_MS = 60_000;

const invalidCursor = (): CallError =>
  new CallError(CallErrorCode.InvalidCursor, 'cursor is not one returned by this list', { field: 'cursor' });

/** One call to record, after its own rules passed. */
interface NewCall {
  direction: CallDirection;
  /** Besides the creator, deduplicated. */
  others: string[];
  phoneNumber: string | null;
  subject: string | null;
  notes: string | null;
  meetingId: string | null;
  scheduledAt: Date | null;
  /** See `Call.requestKey`. */
  requestKey?: string;
}

/** What a create answers: the call(s), and whether they came from an earlier request with the same key. */
export interface Created<T> {
  result: T;
  replayed: boolean;
}

type CallInput = Omit<CreateCallDto, 'video'> & { video?: boolean; scheduledAt?: Date };

/**
 * Call records of an organization (`/video/calls`): calls logged as they start, scheduled ones (a delayed BullMQ job
 * starts them: ringing, `call.started` to the participants and as a webhook), bulk creation in one transaction, end
 * with an outcome, transcript / recording link / notes, per-member feedback and statistics computed in SQL.
 *
 * Visibility: a call's creator and participants, and the organization's owners and admins; anyone else gets 404.
 */
@Injectable()
export class CallsService {
  private readonly logger = new Logger(CallsService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly meetings: MeetingsService,
    private readonly webhooks: WebhooksService,
    private readonly realtime: RealtimeService,
    @InjectQueue(CALLS_QUEUE) private readonly queue: Queue<JobPayloads[CallsJob.StartScheduledCall]>,
    private readonly calls: CallsRepository,
  ) {}

  /** A call starting now (in_progress). `video` (internal calls) runs it as a new live meeting you host. */
  async create(org: OrgContext, actor: AuthUser, dto: CreateCallDto, key?: string): Promise<Created<CallDto>> {
    const prior = await this.replay(org, actor, key ? [key] : []);
    if (prior) {
      return { result: await this.get(org, actor, prior[0].id), replayed: true };
    }
    const [item] = await this.check(org, actor, [dto], () => '');
    item.requestKey = key;
    if (dto.video) {
      const meeting = await this.meetings.create(org, actor, {
        title: item.subject ?? 'Call',
        invitees: { userIds: item.others },
      });
      await this.meetings.goLive(meeting.id);
      item.meetingId = meeting.id;
    }
    const inserted = await this.insertOnce(org, actor, [item], !!dto.video);
    if (inserted.replayed) {
      return { result: await this.get(org, actor, inserted.calls[0].id), replayed: true };
    }
    const [call] = inserted.calls;
    this.logger.log({ callId: call.id, direction: call.direction }, 'call started');
    await this.announceStarted([call.id]);
    return { result: await this.get(org, actor, call.id), replayed: false };
  }

  /** A call at `scheduledAt` (in the future): status scheduled, and a delayed job that starts it then. */
  async schedule(
    org: OrgContext,
    actor: AuthUser,
    dto: ScheduleCallDto,
    requestId?: string,
    key?: string,
  ): Promise<Created<CallDto>> {
    const prior = await this.replay(org, actor, key ? [key] : []);
    if (prior) {
      return { result: await this.get(org, actor, prior[0].id), replayed: true };
    }
    const items = await this.check(org, actor, [dto], () => '');
    items[0].requestKey = key;
    const inserted = await this.insertOnce(org, actor, items, false);
    const [call] = inserted.calls;
    if (!inserted.replayed) {
      await this.enqueue([call], requestId);
      this.logger.log({ callId: call.id, scheduledAt: call.scheduledAt }, 'call scheduled');
    }
    return { result: await this.get(org, actor, call.id), replayed: inserted.replayed };
  }

  /**
   * Up to 500 calls at once, each scheduled (`scheduledAt`) or starting now. Every item is checked before anything
   * is written, and a problem in any item refuses the whole request (400, fields named `items.<index>.<field>`);
   * the calls are written in one transaction, so either all exist afterwards or none does.
   */
  async bulk(
    org: OrgContext,
    actor: AuthUser,
    dto: BulkCreateCallsDto,
    requestId?: string,
    key?: string,
  ): Promise<Created<BulkCallsResultDto>> {
    const keys = key ? dto.items.map((_item, index) => `${key}#${index}`) : [];
    const prior = await this.replay(org, actor, keys);
    if (prior) {
      return { result: { count: prior.length, items: await this.toDtos(prior) }, replayed: true };
    }
    const items = await this.check(org, actor, dto.items, (index) => `items.${index}.`);
    items.forEach((item, index) => (item.requestKey = keys[index]));
    const inserted = await this.insertOnce(org, actor, items, false);
    const calls = inserted.calls;
    if (!inserted.replayed) {
      await this.enqueue(
        calls.filter((c) => c.status === CallStatus.Scheduled),
        requestId,
      );
      await this.announceStarted(calls.filter((c) => c.status === CallStatus.InProgress).map((c) => c.id));
      this.logger.log({ count: calls.length }, 'calls created in bulk');
    }
    return { result: { count: calls.length, items: await this.toDtos(calls) }, replayed: inserted.replayed };
  }

  async list(org: OrgContext, actor: AuthUser, query: ListCallsQueryDto): Promise<CallPageDto> {
    const ids = await this.calls.findPageIds({
      ...this.scope(org, actor, query),
      status: query.status,
      direction: query.direction,
      participantId: query.participantId,
      phoneNumber: query.phoneNumber,
      after: query.cursor ? decodeKeysetCursor(query.cursor, invalidCursor) : undefined,
      limit: query.limit,
    });
    const page = ids.slice(0, query.limit);
    const found = page.length ? await this.em.find(Call, { id: { $in: page } }) : [];
    const byId = new Map(found.map((c) => [c.id, c]));
    const ordered = page.map((id) => byId.get(id)).filter((c): c is Call => !!c);
    const last = ordered[ordered.length - 1];
    return {
      items: await this.toDtos(ordered),
      nextCursor: ids.length > query.limit && last ? encodeKeysetCursor(last.createdAt, last.id) : null,
    };
  }

  async get(org: OrgContext, actor: AuthUser, id: string): Promise<CallDto> {
    return (await this.toDtos([await this.findVisible(org, actor, id)]))[0];
  }

  /** Transcript, recording link, notes, subject; `null` clears one. Anyone who may see the call. */
  async update(org: OrgContext, actor: AuthUser, id: string, dto: UpdateCallDto): Promise<CallDto> {
    const call = await this.findVisible(org, actor, id);
    if (dto.transcript !== undefined) {
      call.transcript = dto.transcript;
    }
    if (dto.recordingUrl !== undefined) {
      call.recordingUrl = dto.recordingUrl;
    }
    if (dto.notes !== undefined) {
      call.notes = dto.notes;
    }
    if (dto.subject !== undefined) {
      call.subject = dto.subject;
    }
    await this.em.flush();
    return (await this.toDtos([call]))[0];
  }

  /**
   * Ends a ringing or in-progress call with its outcome (default completed): `endedAt` now, `durationSeconds` the
   * time since it started (0 when missed). 409 when the call is not active. A meeting the call created is stopped.
   */
  async end(org: OrgContext, actor: AuthUser, id: string, dto: EndCallDto): Promise<CallDto> {
    const call = await this.findVisible(org, actor, id);
    const outcome = dto.outcome ?? CallOutcome.Completed;
    const ended = await this.calls.endActive(call.id, outcome);
    await this.em.refresh(call);
    if (!ended) {
      throw new CallError(CallErrorCode.InvalidState, `A ${call.status} call cannot be ended`, {
        status: call.status,
      });
    }
    if (call.ownsMeeting && call.meeting) {
      await this.meetings.end(call.meeting.id).catch((error: unknown) => {
        if (!(error instanceof MeetingError && error.code === MeetingErrorCode.InvalidState)) {
          throw error;
        }
      });
    }
    this.logger.log({ callId: call.id, status: call.status }, 'call ended');
    await this.announceEnded(call);
    return (await this.toDtos([call]))[0];
  }

  /** A scheduled call becomes cancelled and its delayed job is removed (creator or org admin; 409 otherwise). */
  async cancel(org: OrgContext, actor: AuthUser, id: string): Promise<CallDto> {
    const call = await this.findVisible(org, actor, id);
    if (call.createdBy.id !== actor.id && !isOrgAdmin(org)) {
      throw new CallError(CallErrorCode.CreatorRequired, 'Only the creator of the call or an admin can cancel it');
    }
    // Conditional, so the job starting the call at the same moment and this cancel cannot both win.
    const cancelled = await this.em.nativeUpdate(
      Call,
      { id: call.id, status: CallStatus.Scheduled },
      { status: CallStatus.Cancelled },
    );
    await this.em.refresh(call);
    if (cancelled === 0) {
      throw new CallError(CallErrorCode.InvalidState, `A ${call.status} call cannot be cancelled`, {
        status: call.status,
      });
    }
    // A job that is running right now cannot be removed; it finds the call cancelled and does nothing.
    await this.queue.remove(startCallJobId(call.id)).catch(() => 0);
    this.logger.log({ callId: call.id }, 'scheduled call cancelled');
    return (await this.toDtos([call]))[0];
  }

  /**
   * Your rating of an ended call (completed, missed or failed; 409 before). One per member and call: a second
   * submission replaces the first (`replaced: true`), so the statistics count each member once.
   */
  async feedback(org: OrgContext, actor: AuthUser, id: string, dto: CallFeedbackInputDto): Promise<CallFeedbackDto> {
    const call = await this.findVisible(org, actor, id);
    if (!ENDED_CALL_STATUSES.includes(call.status)) {
      throw new CallError(CallErrorCode.InvalidState, `A ${call.status} call cannot be rated yet`, {
        status: call.status,
      });
    }
    const row = await this.calls.upsertFeedback(call.id, actor.id, dto.rating, dto.comment ?? null);
    return {
      callId: call.id,
      userId: actor.id,
      rating: row.rating,
      comment: row.comment,
      replaced: row.replaced,
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  /** Counts by status and direction, durations and ratings of the calls you may see, in one SQL statement. */
  async stats(org: OrgContext, actor: AuthUser, query: CallStatsQueryDto): Promise<CallStatsDto> {
    const row = await this.calls.stats(this.scope(org, actor, query));
    const count = (counts: Record<string, string> | null, key: string): number => Number(counts?.[key] ?? 0);
    const round = (value: string | null): number | null =>
      value === null ? null : Math.round(Number(value) * 100) / 100;
    return {
      total: Number(row.total),
      byStatus: {
        scheduled: count(row.by_status, CallStatus.Scheduled),
        ringing: count(row.by_status, CallStatus.Ringing),
        in_progress: count(row.by_status, CallStatus.InProgress),
        completed: count(row.by_status, CallStatus.Completed),
        missed: count(row.by_status, CallStatus.Missed),
        failed: count(row.by_status, CallStatus.Failed),
        cancelled: count(row.by_status, CallStatus.Cancelled),
      },
      byDirection: {
        inbound: count(row.by_direction, CallDirection.Inbound),
        outbound: count(row.by_direction, CallDirection.Outbound),
        internal: count(row.by_direction, CallDirection.Internal),
      },
      totalDurationSeconds: Number(row.total_duration ?? 0),
      averageDurationSeconds: round(row.avg_duration),
      averageRating: round(row.avg_rating),
      feedbackCount: Number(row.feedback_count),
      from: query.from ? query.from.toISOString() : null,
      to: query.to ? query.to.toISOString() : null,
    };
  }

  // ---- the worker side ----

  /**
   * The scheduled time came (job `calls.start-scheduled`): a scheduled call becomes ringing (`startedAt` now) and
   * its participants hear of it. Idempotent: a cancelled or already started call is left alone, so a retried job or
   * a duplicate from the sweep announces nothing twice.
   */
  async startScheduled(callId: string): Promise<void> {
    if (!(await this.calls.startScheduled(callId))) {
      return;
    }
    this.logger.log({ callId }, 'scheduled call started');
    await this.announceStarted([callId]);
  }

  /** Scheduled calls a minute past their time get their job again (a no-op for every call whose job exists). */
  async requeueStale(): Promise<number> {
    const stale = await this.em.find(
      Call,
      { status: CallStatus.Scheduled, scheduledAt: { $lt: new Date(Date.now() - STALE_MS) } },
      { limit: 500, orderBy: { scheduledAt: 'asc' } },
    );
    await this.enqueue(stale);
    return stale.length;
  }

  // ---- internals ----

  /**
   * The call rules that need more than one field or the database, for every item before anything is written.
   * All problems of all items are reported together; `prefix(index)` names the item (`items.3.`) in bulk requests.
   */
  private async check(
    org: OrgContext,
    actor: AuthUser,
    inputs: CallInput[],
    prefix: (index: number) => string,
  ): Promise<NewCall[]> {
    const problems: FieldError[] = [];
    const problem = (index: number, field: string, message: string): void => {
      problems.push({ field: `${prefix(index)}${field}`, errors: [message] });
    };
    const now = Date.now();
    const items = inputs.map((input, index): NewCall => {
      const { others, problems: broken } = callRuleProblems(input, actor.id, now);
      for (const { field, message } of broken) {
        problem(index, field, message);
      }
      return {
        direction: input.direction,
        others,
        phoneNumber: input.phoneNumber ?? null,
        subject: input.subject ?? null,
        notes: input.notes ?? null,
        meetingId: input.meetingId ?? null,
        scheduledAt: input.scheduledAt ?? null,
      };
    });

    const strangers = new Set(await nonMembers(this.em, org.id, [...new Set(items.flatMap((i) => i.others))]));
    const meetingIds = [...new Set(items.map((i) => i.meetingId).filter((id): id is string => !!id))];
    const meetings = meetingIds.length
      ? new Set(
          (await this.em.find(Meeting, { id: { $in: meetingIds }, organization: org.id }, { fields: ['id'] })).map(
            (m) => m.id,
          ),
        )
      : new Set<string>();
    items.forEach((item, index) => {
      const outside = item.others.filter((id) => strangers.has(id));
      if (outside.length > 0) {
        problem(index, 'participantIds', `not members of the organization: ${outside.join(', ')}`);
      }
      if (item.meetingId && !meetings.has(item.meetingId)) {
        problem(index, 'meetingId', 'no such meeting in this organization');
      }
    });
    if (problems.length > 0) {
      throw invalidCallInput(problems);
    }
    return items;
  }

  /**
   * The calls an earlier request with these idempotency keys created (in key order), or null when there is none.
   * Bulk items are written in one transaction, so a key set is found whole or not at all.
   */
  private async replay(org: OrgContext, actor: AuthUser, keys: string[]): Promise<Call[] | null> {
    if (keys.length === 0) {
      return null;
    }
    const found = await this.em
      .fork()
      .find(Call, { organization: org.id, createdBy: actor.id, requestKey: { $in: keys } });
    if (found.length === 0) {
      return null;
    }
    const byKey = new Map(found.map((c) => [c.requestKey, c]));
    return keys.flatMap((k) => byKey.get(k) ?? []);
  }

  /** Inserts in one transaction; when a concurrent retry with the same key won the race, answers its calls. */
  private async insertOnce(
    org: OrgContext,
    actor: AuthUser,
    items: NewCall[],
    ownsMeeting: boolean,
  ): Promise<{ calls: Call[]; replayed: boolean }> {
    try {
      return {
        calls: await this.em.transactional((em) => this.insert(em, org, actor, items, ownsMeeting)),
        replayed: false,
      };
    } catch (error) {
      const keys = items.flatMap((item) => (item.requestKey ? [item.requestKey] : []));
      const prior = error instanceof UniqueConstraintViolationException ? await this.replay(org, actor, keys) : null;
      if (!prior) {
        throw error;
      }
      return { calls: prior, replayed: true };
    }
  }

  private async insert(
    em: EntityManager,
    org: OrgContext,
    actor: AuthUser,
    items: NewCall[],
    ownsMeeting: boolean,
  ): Promise<Call[]> {
    const now = new Date();
    const calls = items.map((item) => {
      const call = em.create(Call, {
        organization: org.id,
        createdBy: actor.id,
        direction: item.direction,
        status: item.scheduledAt ? CallStatus.Scheduled : CallStatus.InProgress,
        phoneNumber: item.phoneNumber,
        subject: item.subject,
        notes: item.notes,
        meeting: item.meetingId,
        ownsMeeting,
        scheduledAt: item.scheduledAt,
        startedAt: item.scheduledAt ? null : now,
        requestKey: item.requestKey ?? null,
      });
      for (const userId of [actor.id, ...item.others]) {
        em.create(CallParticipant, { call, user: userId });
      }
      return call;
    });
    await em.flush();
    return calls;
  }

  private async enqueue(calls: Call[], requestId?: string): Promise<void> {
    if (calls.length === 0) {
      return;
    }
    await this.queue.addBulk(
      calls.map((call) => ({
        name: CallsJob.StartScheduledCall,
        data: { callId: call.id, requestId },
        opts: {
          jobId: startCallJobId(call.id),
          delay: Math.max(0, (call.scheduledAt?.getTime() ?? 0) - Date.now()),
        },
      })),
    );
  }

  /** The organization and, for members (or `mine`), their own calls; the from/to window on start or schedule. */
  private scope(org: OrgContext, actor: AuthUser, query: CallStatsQueryDto): CallScope {
    return {
      organizationId: org.id,
      visibleTo: query.mine || !isOrgAdmin(org) ? actor.id : undefined,
      from: query.from,
      to: query.to,
    };
  }

  private async findVisible(org: OrgContext, actor: AuthUser, id: string): Promise<Call> {
    const call = await this.em.findOne(Call, { id, organization: org.id });
    if (!call) {
      throw callNotFound();
    }
    if (call.createdBy.id === actor.id || isOrgAdmin(org)) {
      return call;
    }
    if ((await this.em.count(CallParticipant, { call, user: actor.id })) === 0) {
      throw callNotFound();
    }
    return call;
  }

  private async participantIds(calls: Call[], em = this.em): Promise<Map<string, string[]>> {
    const byCall = new Map<string, string[]>(calls.map((c) => [c.id, []]));
    if (calls.length === 0) {
      return byCall;
    }
    const rows = await em.find(
      CallParticipant,
      { call: { $in: calls.map((c) => c.id) } },
      { orderBy: { user: 'asc' }, fields: ['call', 'user'] },
    );
    for (const row of rows) {
      byCall.get(row.call.id)?.push(row.user.id);
    }
    // The creator first, the others in id order.
    for (const call of calls) {
      const ids = byCall.get(call.id) ?? [];
      byCall.set(call.id, [call.createdBy.id, ...ids.filter((id) => id !== call.createdBy.id)]);
    }
    return byCall;
  }

  /** After commit: `call.started` to every participant's sockets, and as a webhook (one query for all the calls). */
  private async announceStarted(callIds: string[]): Promise<void> {
    if (callIds.length === 0) {
      return;
    }
    const em = this.em.fork();
    const calls = await em.find(Call, { id: { $in: callIds } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    const participants = await this.participantIds(calls, em);
    for (const call of calls) {
      const participantIds = participants.get(call.id) ?? [];
      const startedAt = (call.startedAt ?? new Date()).toISOString();
      for (const userId of participantIds) {
        this.realtime.toUser(userId, 'call.started', {
          callId: call.id,
          organizationId: call.organization.id,
          direction: call.direction,
          status: call.status,
          createdById: call.createdBy.id,
          participantIds,
          phoneNumber: call.phoneNumber ?? null,
          meetingId: call.meeting?.id ?? null,
          startedAt,
        });
      }
      await this.webhooks.publish(call.organization.id, WebhookEventType.CallStarted, {
        callId: call.id,
        direction: call.direction,
        status: call.status,
        createdById: call.createdBy.id,
        participantIds,
        phoneNumber: call.phoneNumber ?? null,
        meetingId: call.meeting?.id ?? null,
        scheduledAt: call.scheduledAt ? call.scheduledAt.toISOString() : null,
        startedAt,
      });
    }
  }

  /** After the update: `call.ended` to every participant's sockets, and as a webhook. */
  private async announceEnded(call: Call): Promise<void> {
    const participantIds = (await this.participantIds([call])).get(call.id) ?? [];
    const endedAt = (call.endedAt ?? new Date()).toISOString();
    const durationSeconds = call.durationSeconds ?? 0;
    for (const userId of participantIds) {
      this.realtime.toUser(userId, 'call.ended', {
        callId: call.id,
        organizationId: call.organization.id,
        status: call.status,
        endedAt,
        durationSeconds,
      });
    }
    await this.webhooks.publish(call.organization.id, WebhookEventType.CallEnded, {
      callId: call.id,
      direction: call.direction,
      status: call.status,
      createdById: call.createdBy.id,
      participantIds,
      phoneNumber: call.phoneNumber ?? null,
      meetingId: call.meeting?.id ?? null,
      scheduledAt: call.scheduledAt ? call.scheduledAt.toISOString() : null,
      startedAt: (call.startedAt ?? call.endedAt ?? new Date()).toISOString(),
      endedAt,
      durationSeconds,
    });
  }

  private async toDtos(calls: Call[]): Promise<CallDto[]> {
    const participants = await this.participantIds(calls);
    return calls.map((c) => toCallDto(c, participants.get(c.id) ?? [c.createdBy.id]));
  }
}

export function toCallDto(c: Call, participantIds: string[]): CallDto {
  return {
    id: c.id,
    organizationId: c.organization.id,
    createdById: c.createdBy.id,
    direction: c.direction,
    status: c.status,
    participantIds,
    phoneNumber: c.phoneNumber ?? null,
    subject: c.subject ?? null,
    meetingId: c.meeting?.id ?? null,
    scheduledAt: c.scheduledAt ? c.scheduledAt.toISOString() : null,
    startedAt: c.startedAt ? c.startedAt.toISOString() : null,
    endedAt: c.endedAt ? c.endedAt.toISOString() : null,
    durationSeconds: c.durationSeconds ?? null,
    transcript: c.transcript ?? null,
    recordingUrl: c.recordingUrl ?? null,
    notes: c.notes ?? null,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
