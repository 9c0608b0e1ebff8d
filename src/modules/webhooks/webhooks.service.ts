import { isIP } from 'node:net';
import { EntityManager, QueryOrder } from '@mikro-orm/postgresql';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { AuthUser } from 'src/common/auth/auth-user';
import { SecretBox } from 'src/common/crypto/secret-box';
import { definedOnly } from 'src/common/http/defined';
import { PageQueryDto } from 'src/common/http/pagination.dto';
import { AppConfigService } from 'src/config/app-config.service';
import { Organization } from 'src/modules/organizations/organization.entity';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { Feature, PLANS } from 'src/modules/organizations/plans';
import { JobPayloads } from 'src/queue/queue.types';
import { WEBHOOKS_QUEUE, WebhooksJob } from './webhooks.jobs';
import { WebhookAttempt } from './webhook-attempt.entity';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WEBHOOK_EVENT_CATALOGUE } from './webhook-event-catalogue';
import { WEBHOOK_TEST_EVENT, WebhookEventData, WebhookEventType } from './webhook-events';
import { WebhookMessage } from './webhook-message.entity';
import { AddressClass } from 'src/common/net/address-policy';
import { webhookTargetPolicy } from './webhook-sender';
import { newWebhookSecret } from './webhook-signature';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  DeliveryQueryDto,
  UpdateWebhookEndpointDto,
  WebhookAttemptDto,
  WebhookDeliveryDetailDto,
  WebhookDeliveryDto,
  WebhookDeliveryPageDto,
  WebhookEndpointDto,
  WebhookEndpointPageDto,
  WebhookEventTypeDto,
  WebhookSecretDto,
} from './webhooks.dto';
import { WebhookError, WebhookErrorCode } from './webhooks.errors';

/** Endpoints per organization; enough for any real integration set, small enough to fan out synchronously. */
export const MAX_ENDPOINTS_PER_ORG = 50;

export type DeliverJob = JobPayloads[WebhooksJob.DeliverWebhook];

/** The BullMQ job id of a delivery's scheduled attempt: stable, so an attempt is never queued twice. */
export function attemptJobId(deliveryId: string, scheduleIndex: number): string {
  return `webhook-${deliveryId}-${scheduleIndex}`;
}

function iso(date: Date | undefined): string | null {
  return date?.toISOString() ?? null;
}

function toEndpointDto(endpoint: WebhookEndpoint): WebhookEndpointDto {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description ?? null,
    eventTypes: endpoint.eventTypes as WebhookEventType[],
    enabled: !endpoint.disabledAt,
    disabledAt: iso(endpoint.disabledAt),
    disabledReason: endpoint.disabledReason ?? null,
    failingSince: iso(endpoint.failingSince),
    consecutiveFailures: endpoint.consecutiveFailures,
    createdAt: endpoint.createdAt.toISOString(),
  };
}

function toDeliveryDto(delivery: WebhookDelivery): WebhookDeliveryDto {
  return {
    id: delivery.id,
    endpointId: delivery.endpoint.id,
    messageId: delivery.message.id,
    eventType: delivery.message.eventType as WebhookEventType,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: iso(delivery.nextAttemptAt),
    lastAttemptAt: iso(delivery.lastAttemptAt),
    lastResponseStatus: delivery.lastResponseStatus ?? null,
    createdAt: delivery.createdAt.toISOString(),
  };
}

function toAttemptDto(attempt: WebhookAttempt): WebhookAttemptDto {
  return {
    id: attempt.id,
    trigger: attempt.trigger,
    scheduleIndex: attempt.scheduleIndex ?? null,
    succeeded: attempt.succeeded,
    responseStatus: attempt.responseStatus ?? null,
    latencyMs: attempt.latencyMs,
    responseExcerpt: attempt.responseExcerpt ?? null,
    error: attempt.error ?? null,
    createdAt: attempt.createdAt.toISOString(),
  };
}

/**
 * Outgoing webhooks: endpoints per organization, and `publish()`, which every module calls to emit an event.
 * Publishing records one message and a delivery per subscribed endpoint, then queues each delivery's first
 * attempt; `WebhookDispatcher` (worker side) sends, logs and reschedules.
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);
  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfigService,
    private readonly box: SecretBox,
    @InjectQueue(WEBHOOKS_QUEUE) private readonly queue: Queue<DeliverJob>,
  ) {}

  /** Every event type with its description, as the domains declare them, and `webhook.test`. */
  eventTypes(): WebhookEventTypeDto[] {
    return Object.entries(WEBHOOK_EVENT_CATALOGUE).map(([type, description]) => ({
      type: type as WebhookEventType,
      description,
    }));
  }

  async create(org: OrgContext, actor: AuthUser, dto: CreateWebhookEndpointDto): Promise<CreatedWebhookEndpointDto> {
    this.assertTarget(dto.url);
    const count = await this.em.count(WebhookEndpoint, { organization: org.id });
    if (count >= MAX_ENDPOINTS_PER_ORG) {
      throw new WebhookError(
        WebhookErrorCode.EndpointLimit,
        `An organization has at most ${MAX_ENDPOINTS_PER_ORG} webhook endpoints`,
      );
    }
    const secret = newWebhookSecret();
    const endpoint = this.em.create(WebhookEndpoint, {
      organization: org.id,
      url: dto.url,
      description: dto.description,
      eventTypes: [...new Set(dto.eventTypes ?? [])],
      secretSealed: this.box.seal(secret),
      createdById: actor.id,
    });
    await this.em.flush();
    return { ...toEndpointDto(endpoint), secret };
  }

  async list(org: OrgContext, page: PageQueryDto): Promise<WebhookEndpointPageDto> {
    const [items, total] = await this.em.findAndCount(
      WebhookEndpoint,
      { organization: org.id },
      { orderBy: { createdAt: QueryOrder.DESC, id: QueryOrder.ASC }, limit: page.limit, offset: page.offset },
    );
    return { items: items.map(toEndpointDto), total, limit: page.limit, offset: page.offset };
  }

  async get(org: OrgContext, id: string): Promise<WebhookEndpointDto> {
    return toEndpointDto(await this.endpoint(org, id));
  }

  async update(org: OrgContext, id: string, dto: UpdateWebhookEndpointDto): Promise<WebhookEndpointDto> {
    const endpoint = await this.endpoint(org, id);
    if (dto.url !== undefined) {
      this.assertTarget(dto.url);
    }
    const { enabled, eventTypes, ...fields } = dto;
    this.em.assign(endpoint, definedOnly(fields));
    if (eventTypes !== undefined) {
      endpoint.eventTypes = [...new Set(eventTypes)];
    }
    if (enabled === false && !endpoint.disabledAt) {
      endpoint.disabledAt = new Date();
      endpoint.disabledReason = 'disabled by a user';
    } else if (enabled === true && endpoint.disabledAt) {
      endpoint.disabledAt = undefined;
      endpoint.disabledReason = undefined;
      endpoint.failingSince = undefined;
      endpoint.consecutiveFailures = 0;
    }
    await this.em.flush();
    return toEndpointDto(endpoint);
  }

  async remove(org: OrgContext, id: string): Promise<void> {
    const removed = await this.em.nativeDelete(WebhookEndpoint, { id, organization: org.id });
    if (removed === 0) {
      throw new WebhookError(WebhookErrorCode.EndpointNotFound, `Webhook endpoint ${id} not found`);
    }
  }

  async secret(org: OrgContext, id: string): Promise<WebhookSecretDto> {
    return { secret: this.box.open((await this.endpoint(org, id)).secretSealed) };
  }

  /** A new secret takes effect for the next attempt; the old one stops at once. */
  async rotateSecret(org: OrgContext, id: string): Promise<WebhookSecretDto> {
    const endpoint = await this.endpoint(org, id);
    const secret = newWebhookSecret();
    endpoint.secretSealed = this.box.seal(secret);
    await this.em.flush();
    return { secret };
  }

  /** Sends a `webhook.test` event to this endpoint only. */
  async sendTest(org: OrgContext, id: string, requestId?: string): Promise<WebhookDeliveryDto> {
    const endpoint = await this.endpoint(org, id);
    if (endpoint.disabledAt) {
      throw new WebhookError(WebhookErrorCode.EndpointDisabled, 'The endpoint is disabled; enable it first');
    }
    const [delivery] = await this.fanOut(
      org.id,
      WEBHOOK_TEST_EVENT,
      { endpointId: id, message: 'Test event from Switchboard' },
      [endpoint],
      requestId,
    );
    return toDeliveryDto(delivery);
  }

  async deliveries(org: OrgContext, endpointId: string, query: DeliveryQueryDto): Promise<WebhookDeliveryPageDto> {
    await this.endpoint(org, endpointId);
    const [items, total] = await this.em.findAndCount(
      WebhookDelivery,
      {
        organization: org.id,
        endpoint: endpointId,
        ...(query.status ? { status: query.status } : {}),
        ...(query.eventType ? { message: { eventType: query.eventType } } : {}),
      },
      {
        populate: ['message'],
        orderBy: { createdAt: QueryOrder.DESC, id: QueryOrder.ASC },
        limit: query.limit,
        offset: query.offset,
      },
    );
    return { items: items.map(toDeliveryDto), total, limit: query.limit, offset: query.offset };
  }

  async delivery(org: OrgContext, id: string): Promise<WebhookDeliveryDetailDto> {
    const delivery = await this.findDelivery(org, id);
    const attempts = await this.em.find(
      WebhookAttempt,
      { delivery: id },
      { orderBy: { createdAt: QueryOrder.ASC, id: QueryOrder.ASC } },
    );
    return { ...toDeliveryDto(delivery), body: delivery.message.body, attemptLog: attempts.map(toAttemptDto) };
  }

  /** Sends the delivery again now, whatever its state; the result is logged as a manual attempt. */
  async replay(org: OrgContext, id: string, requestId?: string): Promise<WebhookDeliveryDto> {
    const delivery = await this.findDelivery(org, id);
    if (delivery.endpoint.disabledAt) {
      throw new WebhookError(WebhookErrorCode.EndpointDisabled, 'The endpoint is disabled; enable it first');
    }
    await this.queue.add(
      WebhooksJob.DeliverWebhook,
      { deliveryId: id, requestId },
      { jobId: `webhook-${id}-replay-${randomUUID()}` },
    );
    return toDeliveryDto(delivery);
  }

  /**
   * Emits an event to the organization's enabled endpoints subscribed to it (none when its plan lacks webhooks).
   * Call after the change it reports has committed. Never throws: a failure to record or queue is logged, and
   * deliveries recorded but not queued are picked up by the sweep.
   */
  async publish<T extends WebhookEventType>(
    organizationId: string,
    type: T,
    data: WebhookEventData[T],
    requestId?: string,
  ): Promise<number> {
    try {
      const em = this.em.fork();
      const endpoints = await em.find(
        WebhookEndpoint,
        { organization: organizationId, disabledAt: null },
        { populate: ['organization'] },
      );
      const subscribed = endpoints.filter(
        (endpoint) =>
          PLANS[(endpoint.organization as Organization).plan].features.includes(Feature.Webhooks) &&
          (endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(type)),
      );
      if (subscribed.length === 0) {
        return 0;
      }
      return (await this.fanOut(organizationId, type, data, subscribed, requestId, em)).length;
    } catch (error) {
      this.logger.error({ err: error, organizationId, type, requestId }, 'webhook event not recorded');
      return 0;
    }
  }

  private async fanOut<T extends WebhookEventType>(
    organizationId: string,
    type: T,
    data: WebhookEventData[T],
    endpoints: WebhookEndpoint[],
    requestId?: string,
    em: EntityManager = this.em,
  ): Promise<WebhookDelivery[]> {
    const now = new Date();
    const [firstDelay] = this.config.webhooks.retryScheduleMs;
    const message = em.create(WebhookMessage, {
      organization: organizationId,
      eventType: type,
      body: JSON.stringify({ type, timestamp: now.toISOString(), data }),
    });
    const deliveries = endpoints.map((endpoint) =>
      em.create(WebhookDelivery, {
        organization: organizationId,
        endpoint,
        message,
        nextAttemptAt: new Date(now.getTime() + firstDelay),
      }),
    );
    await em.flush();
    try {
      await this.queue.addBulk(
        deliveries.map((delivery) => ({
          name: WebhooksJob.DeliverWebhook,
          data: { deliveryId: delivery.id, scheduleIndex: 1, requestId },
          opts: { jobId: attemptJobId(delivery.id, 1), delay: firstDelay },
        })),
      );
    } catch (error) {
      this.logger.warn(
        { err: error, messageId: message.id },
        'webhook deliveries recorded but not queued; the sweep will',
      );
    }
    return deliveries;
  }

  /** Refuses, before any request, a literal address (or a `localhost` name) the delivery policy would refuse. */
  private assertTarget(url: string): void {
    const { allowPrivateTargets } = this.config.webhooks;
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    const localName = host === 'localhost' || host.endsWith('.localhost');
    const refused =
      isIP(host) !== 0
        ? webhookTargetPolicy(allowPrivateTargets).refusal(host)
        : localName && !allowPrivateTargets
          ? AddressClass.Loopback
          : undefined;
    if (refused !== undefined) {
      throw new WebhookError(WebhookErrorCode.PrivateTarget, `${host} is a ${refused} address, not a webhook target`, {
        field: 'url',
      });
    }
  }

  private async endpoint(org: OrgContext, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.em.findOne(WebhookEndpoint, { id, organization: org.id });
    if (!endpoint) {
      throw new WebhookError(WebhookErrorCode.EndpointNotFound, `Webhook endpoint ${id} not found`);
    }
    return endpoint;
  }

  private async findDelivery(org: OrgContext, id: string): Promise<WebhookDelivery> {
    const delivery = await this.em.findOne(
      WebhookDelivery,
      { id, organization: org.id },
      { populate: ['message', 'endpoint'] },
    );
    if (!delivery) {
      throw new WebhookError(WebhookErrorCode.DeliveryNotFound, `Webhook delivery ${id} not found`);
    }
    return delivery;
  }
}
