import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthUser } from 'src/common/auth/auth-user';
import { decodeKeysetCursor, encodeKeysetCursor } from 'src/common/http/keyset-cursor';
import { isOrgAdmin, OrgContext } from 'src/modules/organizations/organization.decorators';
import { Call, CallParticipant } from './call.entity';
import { CallDto, CallPageDto, CallStatsQueryDto, ListCallsQueryDto, UpdateCallDto } from './calls.dto';
import { CallError, CallErrorCode, callNotFound } from './calls.errors';
import { CallScope, CallsRepository } from './calls.repository';

const invalidCursor = (): CallError =>
  new CallError(CallErrorCode.InvalidCursor, 'cursor is not one returned by this list', { field: 'cursor' });

/** The organization and, for members (or `mine`), their own calls; the from/to window on start or schedule. */
export function callScope(org: OrgContext, actor: AuthUser, query: CallStatsQueryDto): CallScope {
  return {
    organizationId: org.id,
    visibleTo: query.mine || !isOrgAdmin(org) ? actor.id : undefined,
    from: query.from,
    to: query.to,
  };
}

/**
 * Call records as their readers see them: who may see a call (its creator and participants, and the organization's
 * owners and admins; anyone else gets 404), the list, one call, its participants, and the notes anyone who may see it
 * can edit (transcript, recording link, notes, subject).
 */
@Injectable()
export class CallRecordsService {
  constructor(
    private readonly em: EntityManager,
    private readonly calls: CallsRepository,
  ) {}

  async list(org: OrgContext, actor: AuthUser, query: ListCallsQueryDto): Promise<CallPageDto> {
    const ids = await this.calls.findPageIds({
      ...callScope(org, actor, query),
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

  /** A call of the organization the actor may see; 404 `CALL_NOT_FOUND` otherwise. */
  async findVisible(org: OrgContext, actor: AuthUser, id: string): Promise<Call> {
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

  /** Participant ids per call: the creator first, the others in id order. */
  async participantIds(calls: Call[], em = this.em): Promise<Map<string, string[]>> {
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

  async toDtos(calls: Call[]): Promise<CallDto[]> {
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
