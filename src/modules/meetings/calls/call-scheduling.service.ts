import { EntityManager } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AuthUser } from 'src/common/auth/auth-user';
import { isOrgAdmin, OrgContext } from 'src/modules/organizations/organization.decorators';
import { JobPayloads } from 'src/queue/queue.types';
import { CallRecordsService } from './call-records.service';
import { Call, CallStatus } from './call.entity';
import { BulkCallsResultDto, BulkCreateCallsDto, CallDto, ScheduleCallDto } from './calls.dto';
import { CALLS_QUEUE, CallsJob } from './calls.jobs';
import { CallError, CallErrorCode } from './calls.errors';
import { Created, CallsService } from './calls.service';

/** The delayed job that starts a scheduled call: one per call, so a retried request or a sweep never adds a second. */
export const startCallJobId = (callId: string): string => `call-start-${callId}`;

/** Scheduled calls this long past their time without having started get their job again (`requeueStale`). */
const STALE_MS = 60_000;

/**
 * Calls at a later time: scheduling one (a delayed BullMQ job starts it), up to 500 at once in one transaction
 * (scheduled or starting now), cancelling a scheduled call, and the sweep that re-queues calls whose job went missing.
 */
@Injectable()
export class CallSchedulingService {
  private readonly logger = new Logger(CallSchedulingService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly lifecycle: CallsService,
    private readonly records: CallRecordsService,
    @InjectQueue(CALLS_QUEUE) private readonly queue: Queue<JobPayloads[CallsJob.StartScheduledCall]>,
  ) {}

  /** A call at `scheduledAt` (in the future): status scheduled, and a delayed job that starts it then. */
  async schedule(
    org: OrgContext,
    actor: AuthUser,
    dto: ScheduleCallDto,
    requestId?: string,
    key?: string,
  ): Promise<Created<CallDto>> {
    const prior = await this.lifecycle.replay(org, actor, key ? [key] : []);
    if (prior) {
      return { result: await this.records.get(org, actor, prior[0].id), replayed: true };
    }
    const items = await this.lifecycle.check(org, actor, [dto], () => '');
    items[0].requestKey = key;
    const inserted = await this.lifecycle.insertOnce(org, actor, items, false);
    const [call] = inserted.calls;
    if (!inserted.replayed) {
      await this.enqueue([call], requestId);
      this.logger.log({ callId: call.id, scheduledAt: call.scheduledAt }, 'call scheduled');
    }
    return { result: await this.records.get(org, actor, call.id), replayed: inserted.replayed };
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
    const prior = await this.lifecycle.replay(org, actor, keys);
    if (prior) {
      return { result: { count: prior.length, items: await this.records.toDtos(prior) }, replayed: true };
    }
    const items = await this.lifecycle.check(org, actor, dto.items, (index) => `items.${index}.`);
    items.forEach((item, index) => (item.requestKey = keys[index]));
    const inserted = await this.lifecycle.insertOnce(org, actor, items, false);
    const calls = inserted.calls;
    if (!inserted.replayed) {
      await this.enqueue(
        calls.filter((c) => c.status === CallStatus.Scheduled),
        requestId,
      );
      await this.lifecycle.announceStarted(calls.filter((c) => c.status === CallStatus.InProgress).map((c) => c.id));
      this.logger.log({ count: calls.length }, 'calls created in bulk');
    }
    return { result: { count: calls.length, items: await this.records.toDtos(calls) }, replayed: inserted.replayed };
  }

  /** A scheduled call becomes cancelled and its delayed job is removed (creator or org admin; 409 otherwise). */
  async cancel(org: OrgContext, actor: AuthUser, id: string): Promise<CallDto> {
    const call = await this.records.findVisible(org, actor, id);
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
    return (await this.records.toDtos([call]))[0];
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
}
