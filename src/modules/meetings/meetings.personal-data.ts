import { Injectable } from '@nestjs/common';
import { afterCursor, EXPORT_PAGE, pagedRows } from 'src/common/domain/personal-data';
import { OnDomainEvent, type DomainEvents } from 'src/common/events/domain-events';
import type {} from 'src/modules/settings/settings.events';
import { Call, CallFeedback, CallParticipant } from './calls/call.entity';
import { Meeting, MeetingInvitee, MeetingParticipant } from './meeting.entity';

/** The meetings domain's part of the data export: meetings hosted or invited to, attendance, calls. */
@Injectable()
export class MeetingsPersonalData {
  @OnDomainEvent('account.export', { phase: 'transaction' })
  contribute({ add }: DomainEvents['account.export']): void {
    add({
      name: 'meetings',
      rows: async function* (em, userId) {
        const invited = await em.find(MeetingInvitee, { user: userId }, { fields: ['meeting'] });
        const ids = invited.map((i) => i.meeting.id);
        yield* pagedRows(
          (after) =>
            em.find(
              Meeting,
              { $and: [{ $or: [{ host: userId }, { id: { $in: ids } }] }, afterCursor(after)] },
              EXPORT_PAGE,
            ),
          (m) => ({
            id: m.id,
            organizationId: m.organization.id,
            title: m.title,
            description: m.description ?? null,
            host: m.host.id === userId,
            status: m.status,
            scheduledStart: m.scheduledStart ?? null,
            scheduledEnd: m.scheduledEnd ?? null,
            startedAt: m.startedAt ?? null,
            endedAt: m.endedAt ?? null,
          }),
        );
      },
    });
    add({
      name: 'meetingParticipations',
      rows: (em, userId) =>
        pagedRows(
          (after) => em.find(MeetingParticipant, { user: userId, ...afterCursor(after) }, EXPORT_PAGE),
          (p) => ({
            meetingId: p.meeting.id,
            joinedAt: p.joinedAt,
            leftAt: p.leftAt ?? null,
            durationSeconds: p.durationSeconds ?? null,
          }),
        ),
    });
    add({
      name: 'calls',
      rows: async function* (em, userId) {
        const joined = await em.find(CallParticipant, { user: userId }, { fields: ['call'] });
        const ids = joined.map((p) => p.call.id);
        yield* pagedRows(
          (after) =>
            em.find(
              Call,
              { $and: [{ $or: [{ createdBy: userId }, { id: { $in: ids } }] }, afterCursor(after)] },
              EXPORT_PAGE,
            ),
          (c) => ({
            id: c.id,
            organizationId: c.organization.id,
            createdByMe: c.createdBy.id === userId,
            direction: c.direction,
            status: c.status,
            phoneNumber: c.phoneNumber ?? null,
            subject: c.subject ?? null,
            scheduledAt: c.scheduledAt ?? null,
            startedAt: c.startedAt ?? null,
            endedAt: c.endedAt ?? null,
            durationSeconds: c.durationSeconds ?? null,
            notes: c.notes ?? null,
            transcript: c.transcript ?? null,
            meetingId: c.meeting?.id ?? null,
          }),
        );
      },
    });
    add({
      name: 'callFeedback',
      rows: (em, userId) =>
        pagedRows(
          (after) => em.find(CallFeedback, { user: userId, ...afterCursor(after) }, EXPORT_PAGE),
          (f) => ({ callId: f.call.id, rating: f.rating, comment: f.comment ?? null, createdAt: f.createdAt }),
        ),
    });
  }
}
