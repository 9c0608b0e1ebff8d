import { DomainEventBus } from 'src/common/events/domain-events';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { AuthUser } from 'src/common/auth/auth-user';
import { FieldError } from 'src/common/errors/app-error';
import { Meeting } from 'src/modules/meetings/meeting.entity';
import { MeetingError, MeetingErrorCode } from 'src/modules/meetings/meetings.errors';
import { MeetingsService } from 'src/modules/meetings/meetings.service';
import { nonMembers } from 'src/modules/organizations/non-members';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import type {} from 'src/modules/meetings/meetings.webhooks';
import { RealtimeService } from 'src/realtime/realtime.service';
import { callRuleProblems } from './call-rules';
import { CallRecordsService } from './call-records.service';
import { Call, CallDirection, CallParticipant, CallStatus } from './call.entity';
import { CallDto, CallOutcome, CreateCallDto, EndCallDto } from './calls.dto';
import { CallError, CallErrorCode, invalidCallInput } from './calls.errors';
import { CallsRepository } from './calls.repository';

/** One call to record, after its own rules passed. */
export interface NewCall {
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

export type CallInput = Omit<CreateCallDto, 'video'> & { video?: boolean; scheduledAt?: Date };

/**
 * The life of a call (`/video/calls`): recording calls (checked, written in one transaction, idempotent on the
 * request key; also for scheduling and bulk), a call starting now (optionally as a live meeting), a scheduled call
 * starting (the delayed job: ringing, `call.started`), and the end with an outcome (`call.ended`). Participants hear
 * of starts and ends on their sockets, and the organization as webhooks.
 */
@Injectable()
export class CallsService {
  private readonly logger = new Logger(CallsService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly meetings: MeetingsService,
    private readonly events: DomainEventBus,
    private readonly realtime: RealtimeService,
    private readonly records: CallRecordsService,
    private readonly calls: CallsRepository,
  ) {}

  /** A call starting now (in_progress). `video` (internal calls) runs it as a new live meeting you host. */
  async create(org: OrgContext, actor: AuthUser, dto: CreateCallDto, key?: string): Promise<Created<CallDto>> {
    const prior = await this.replay(org, actor, key ? [key] : []);
    if (prior) {
      return { result: await this.records.get(org, actor, prior[0].id), replayed: true };
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
      return { result: await this.records.get(org, actor, inserted.calls[0].id), replayed: true };
    }
    const [call] = inserted.calls;
    this.logger.log({ callId: call.id, direction: call.direction }, 'call started');
    await this.announceStarted([call.id]);
    return { result: await this.records.get(org, actor, call.id), replayed: false };
  }

  /**
   * Ends a ringing or in-progress call with its outcome (default completed): `endedAt` now, `durationSeconds` the
   * time since it started (0 when missed). 409 when the call is not active. A meeting the call created is stopped.
   */
  async end(org: OrgContext, actor: AuthUser, id: string, dto: EndCallDto): Promise<CallDto> {
    const call = await this.records.findVisible(org, actor, id);
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
    return (await this.records.toDtos([call]))[0];
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

  // ---- recording calls (also for scheduling) ----

  /**
   * The call rules that need more than one field or the database, for every item before anything is written.
   * All problems of all items are reported together; `prefix(index)` names the item (`items.3.`) in bulk requests.
   */
  async check(
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
  async replay(org: OrgContext, actor: AuthUser, keys: string[]): Promise<Call[] | null> {
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
  async insertOnce(
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

  /** After commit: `call.started` to every participant's sockets, and as a webhook (one query for all the calls). */
  async announceStarted(callIds: string[]): Promise<void> {
    if (callIds.length === 0) {
      return;
    }
    const em = this.em.fork();
    const calls = await em.find(Call, { id: { $in: callIds } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    const participants = await this.records.participantIds(calls, em);
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
      await this.events.publish('call.started', {
        organizationId: call.organization.id,
        data: {
          ...callWebhookFields(call, participantIds),
          startedAt,
        },
      });
    }
  }

  /** After the update: `call.ended` to every participant's sockets, and as a webhook. */
  private async announceEnded(call: Call): Promise<void> {
    const participantIds = (await this.records.participantIds([call])).get(call.id) ?? [];
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
    await this.events.publish('call.ended', {
      organizationId: call.organization.id,
      data: {
        ...callWebhookFields(call, participantIds),
        startedAt: (call.startedAt ?? call.endedAt ?? new Date()).toISOString(),
        endedAt,
        durationSeconds,
      },
    });
  }
}

/** What `call.started` and `call.ended` webhooks both carry about the call. */
function callWebhookFields(call: Call, participantIds: string[]) {
  return {
    callId: call.id,
    direction: call.direction,
    status: call.status,
    createdById: call.createdBy.id,
    participantIds,
    phoneNumber: call.phoneNumber ?? null,
    meetingId: call.meeting?.id ?? null,
    scheduledAt: call.scheduledAt ? call.scheduledAt.toISOString() : null,
  };
}
