import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { SecretBox } from 'src/common/crypto/secret-box';
import { AppConfigService } from 'src/config/app-config.service';
import { formatDuration } from 'src/config/duration';
import { WEBHOOKS_QUEUE, WebhooksJob } from './webhooks.jobs';
import { AttemptTrigger, WebhookAttempt } from './webhook-attempt.entity';
import { DeliveryStatus, WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { sendWebhook } from './webhook-sender';
import { webhookHeaders } from './webhook-signature';
import { attemptJobId, DeliverJob } from './webhooks.service';

/** Consecutive failed attempts an endpoint needs, besides failing for WEBHOOK_DISABLE_AFTER, to be disabled. */
const DISABLE_MIN_FAILURES = 3;
/** A pending delivery whose attempt is this late has lost its job (Redis was away, a job failed for good). */
const SWEEP_GRACE_MS = 60_000;
const SWEEP_BATCH = 500;

/**
 * Worker side of webhooks: makes one attempt per job, logs it, and queues the next attempt of the schedule.
 * A scheduled attempt is made once: its log row is unique per (delivery, schedule index), and a job that runs
 * again after a crash finds the row and only makes sure the next attempt is queued.
 */
@Injectable()
export class WebhookDispatcher {
  private readonly logger = new Logger(WebhookDispatcher.name);
  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfigService,
    private readonly box: SecretBox,
    @InjectQueue(WEBHOOKS_QUEUE) private readonly queue: Queue<DeliverJob>,
  ) {}

  async deliver({ deliveryId, scheduleIndex, requestId }: DeliverJob): Promise<void> {
    const delivery = await this.em.findOne(WebhookDelivery, deliveryId, { populate: ['endpoint', 'message'] });
    if (!delivery) {
      return; // the endpoint (and its deliveries) was deleted
    }
    const scheduled = scheduleIndex !== undefined;
    if (scheduled && (delivery.status !== DeliveryStatus.Pending || delivery.attempts >= scheduleIndex)) {
      await this.queueNext(delivery);
      return;
    }
    const endpoint = delivery.endpoint;
    if (endpoint.disabledAt) {
      if (scheduled) {
        delivery.status = DeliveryStatus.Failed;
        delivery.nextAttemptAt = undefined;
        await this.em.flush();
      }
      return;
    }
    const { retryScheduleMs, timeoutMs, allowPrivateTargets } = this.config.webhooks;
    const { body, id: messageId } = delivery.message;
    const headers = webhookHeaders(this.box.open(endpoint.secretSealed), messageId, body);
    const result = await sendWebhook(endpoint.url, headers, body, { timeoutMs, allowPrivateTargets });
    const now = new Date();

    this.em.create(WebhookAttempt, {
      delivery,
      trigger: scheduled ? AttemptTrigger.Scheduled : AttemptTrigger.Manual,
      scheduleIndex,
      succeeded: result.succeeded,
      responseStatus: result.status,
      latencyMs: result.latencyMs,
      responseExcerpt: result.excerpt,
      error: result.error?.slice(0, 500),
    });
    delivery.lastAttemptAt = now;
    delivery.lastResponseStatus = result.status;
    if (scheduled) {
      delivery.attempts = scheduleIndex;
    }
    if (result.succeeded) {
      delivery.status = DeliveryStatus.Succeeded;
      delivery.nextAttemptAt = undefined;
    } else if (scheduled) {
      const delay = retryScheduleMs[scheduleIndex];
      if (delay === undefined) {
        delivery.status = DeliveryStatus.Failed;
        delivery.nextAttemptAt = undefined;
      } else {
        delivery.nextAttemptAt = new Date(now.getTime() + delay);
      }
    }
    try {
      await this.em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        return; // a duplicate job made this attempt at the same time; its run queues the next one
      }
      throw error;
    }
    this.logger.log(
      {
        deliveryId,
        endpointId: endpoint.id,
        scheduleIndex,
        status: result.status,
        latencyMs: result.latencyMs,
        error: result.error,
        requestId,
      },
      result.succeeded ? 'webhook delivered' : 'webhook attempt failed',
    );
    await this.recordOutcome(endpoint, result.succeeded);
    await this.queueNext(delivery);
  }

  /** Re-queues pending deliveries whose next attempt is overdue, so a lost job delays an event but never drops it. */
  async sweep(): Promise<number> {
    const overdue = await this.em.find(
      WebhookDelivery,
      { status: DeliveryStatus.Pending, nextAttemptAt: { $lt: new Date(Date.now() - SWEEP_GRACE_MS) } },
      { limit: SWEEP_BATCH, orderBy: { nextAttemptAt: 'asc' } },
    );
    for (const delivery of overdue) {
      const jobId = attemptJobId(delivery.id, delivery.attempts + 1);
      const existing = await this.queue.getJob(jobId);
      if (existing && ((await existing.isCompleted()) || (await existing.isFailed()))) {
        await existing.remove();
      }
      await this.queueNext(delivery);
    }
    if (overdue.length > 0) {
      this.logger.warn({ count: overdue.length }, 'overdue webhook deliveries re-queued');
    }
    return overdue.length;
  }

  private async queueNext(delivery: WebhookDelivery): Promise<void> {
    if (delivery.status !== DeliveryStatus.Pending || !delivery.nextAttemptAt) {
      return;
    }
    const next = delivery.attempts + 1;
    await this.queue.add(
      WebhooksJob.DeliverWebhook,
      { deliveryId: delivery.id, scheduleIndex: next },
      { jobId: attemptJobId(delivery.id, next), delay: Math.max(0, delivery.nextAttemptAt.getTime() - Date.now()) },
    );
  }

  /**
   * Success clears the endpoint's failure run. A failure extends it, atomically (deliveries run in parallel), and
   * disables the endpoint once it has failed at least DISABLE_MIN_FAILURES times in a row for WEBHOOK_DISABLE_AFTER.
   */
  private async recordOutcome(endpoint: WebhookEndpoint, succeeded: boolean): Promise<void> {
    const connection = this.em.getConnection();
    if (succeeded) {
      await connection.execute(
        'update webhook_endpoints set consecutive_failures = 0, failing_since = null where id = ? and consecutive_failures > 0',
        [endpoint.id],
      );
      return;
    }
    const { disableAfterMs } = this.config.webhooks;
    const failedLongEnough = `consecutive_failures + 1 >= ?
        and coalesce(failing_since, now()) <= now() - (? * interval '1 millisecond')`;
    const disabled = await connection.execute<{ disabled_at: Date | null }[]>(
      `update webhook_endpoints
          set consecutive_failures = consecutive_failures + 1,
              failing_since = coalesce(failing_since, now()),
              disabled_at = coalesce(disabled_at, case when ${failedLongEnough} then now() end),
              disabled_reason = coalesce(disabled_reason, case when ${failedLongEnough} then ? end)
        where id = ?
        returning disabled_at`,
      [
        DISABLE_MIN_FAILURES,
        disableAfterMs,
        DISABLE_MIN_FAILURES,
        disableAfterMs,
        `every attempt failed for ${formatDuration(disableAfterMs)} or more`,
        endpoint.id,
      ],
    );
    if (disabled[0]?.disabled_at && !endpoint.disabledAt) {
      this.logger.warn({ endpointId: endpoint.id }, 'webhook endpoint disabled after sustained failure');
    }
  }
}
