import { Injectable } from '@nestjs/common';
import { AuthUser } from 'src/common/auth/auth-user';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { callScope, CallRecordsService } from './call-records.service';
import { CallDirection, CallStatus } from './call.entity';
import { CallFeedbackDto, CallFeedbackInputDto, CallStatsDto, CallStatsQueryDto } from './calls.dto';
import { CallError, CallErrorCode } from './calls.errors';
import { CallsRepository, ENDED_CALL_STATUSES } from './calls.repository';

/** How calls went: each member's rating of an ended call, and the statistics of the calls one may see. */
@Injectable()
export class CallFeedbackService {
  constructor(
    private readonly records: CallRecordsService,
    private readonly calls: CallsRepository,
  ) {}

  /**
   * Your rating of an ended call (completed, missed or failed; 409 before). One per member and call: a second
   * submission replaces the first (`replaced: true`), so the statistics count each member once.
   */
  async feedback(org: OrgContext, actor: AuthUser, id: string, dto: CallFeedbackInputDto): Promise<CallFeedbackDto> {
    const call = await this.records.findVisible(org, actor, id);
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
    const row = await this.calls.stats(callScope(org, actor, query));
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
}
