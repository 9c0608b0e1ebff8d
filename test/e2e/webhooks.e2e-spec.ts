import { MikroORM } from '@mikro-orm/postgresql';
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSwitchboardClient } from '../../client';
import { Membership, OrgRole } from 'src/modules/organizations/membership.entity';
import { Organization, Plan } from 'src/modules/organizations/organization.entity';
import { tokenFromOutbox } from '../support/outbox';
import { call, inOrg, eventually, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver';

/** Loosely typed bodies of raw calls. */
type Json = Record<string, any>;

const INVITE = /Invitation token: (\S+)/;
const SCHEDULE_MS = [0, 400, 1200];

/** Standard Webhooks verification written from the specification, independent of the server's own code. */
function verify(secret: string, hook: ReceivedWebhook): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const id = hook.headers['webhook-id'] as string;
  const timestamp = hook.headers['webhook-timestamp'] as string;
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${hook.body}`).digest('base64');
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  return fresh && (hook.headers['webhook-signature'] as string).split(' ').includes(`v1,${expected}`);
}

describe('outgoing webhooks', () => {
  const outbox = mkdtempSync(join(tmpdir(), 'switchboard-webhooks-'));
  let t: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await startTestApp({
      MAIL_OUTBOX_DIR: outbox,
      WEBHOOK_RETRY_SCHEDULE: SCHEDULE_MS.map((ms) => `${ms}ms`).join(','),
      WEBHOOK_DISABLE_AFTER: '0',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    });
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  async function proOrg(owner: TestUser, name: string): Promise<string> {
    const res = await call(t, 'POST', '/api/v1/organizations', { token: owner.accessToken, body: { name } });
    await t.app.get(MikroORM).em.fork().nativeUpdate(Organization, { id: res.body.id }, { plan: Plan.Pro });
    return res.body.id as string;
  }

  it('signs deliveries, retries a 500 on a growing schedule with the same webhook-id, and logs each attempt', async () => {
    const owner = await registerUser(t);
    const invitee = await registerUser(t);
    const orgId = await proOrg(owner, 'Hook Co');
    receiver.respond('/joined', (nth) => (nth <= 2 ? 500 : 204));

    const client = createSwitchboardClient(t.baseUrl, { token: owner.accessToken });
    const created = await client.POST('/api/v1/webhooks/endpoints', {
      params: { header: { 'X-Organization-Id': orgId } },
      body: { url: `${receiver.url}/joined`, eventTypes: ['member.joined'], description: 'CRM sync' },
    });
    expect(created.response.status).toBe(201);
    const endpoint = created.data!;
    expect(endpoint).toMatchObject({ enabled: true, eventTypes: ['member.joined'], consecutiveFailures: 0 });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);

    // Invite (invitation.created: not subscribed) and accept (member.joined: subscribed).
    await call(t, 'POST', '/api/v1/team/invite', {
      ...inOrg(owner, orgId),
      body: { email: invitee.email, role: 'member' },
    });
    const token = await tokenFromOutbox(outbox, invitee.email, INVITE);
    await call(t, 'POST', `/api/v1/team/invitations/${token}/accept`, { token: invitee.accessToken });

    const hooks = await eventually(
      () => {
        const got = receiver.received.filter((r) => r.path === '/joined');
        return got.length >= 3 ? got : undefined;
      },
      15_000,
      'three attempts',
    );
    expect(hooks).toHaveLength(3);
    expect(new Set(hooks.map((h) => h.headers['webhook-id'])).size).toBe(1);
    for (const hook of hooks) {
      expect(verify(endpoint.secret, hook)).toBe(true);
      expect(hook.headers['content-type']).toBe('application/json');
    }
    expect(verify('whsec_' + Buffer.alloc(24, 1).toString('base64'), hooks[0])).toBe(false);
    const body = JSON.parse(hooks[0].body);
    expect(body).toMatchObject({
      type: 'member.joined',
      data: { userId: invitee.id, email: invitee.email, role: 'member' },
    });
    const firstGap = hooks[1].at - hooks[0].at;
    const secondGap = hooks[2].at - hooks[1].at;
    expect(firstGap).toBeGreaterThanOrEqual(SCHEDULE_MS[1] - 50);
    expect(secondGap).toBeGreaterThanOrEqual(SCHEDULE_MS[2] - 50);
    expect(secondGap).toBeGreaterThan(firstGap);

    const headers = { 'X-Organization-Id': orgId };
    const deliveries = await eventually(async () => {
      const page = await client.GET('/api/v1/webhooks/endpoints/{id}/deliveries', {
        params: { header: headers, path: { id: endpoint.id } },
      });
      return page.data?.items[0]?.status === 'succeeded' ? page.data : undefined;
    });
    expect(deliveries.total).toBe(1);
    expect(deliveries.items[0]).toMatchObject({ eventType: 'member.joined', attempts: 3, lastResponseStatus: 204 });
    expect(deliveries.items[0].messageId).toBe(hooks[0].headers['webhook-id']);

    const detail = await client.GET('/api/v1/webhooks/deliveries/{id}', {
      params: { header: headers, path: { id: deliveries.items[0].id } },
    });
    expect(detail.data!.body).toBe(hooks[0].body);
    expect(
      detail.data!.attemptLog.map((a) => [
        a.trigger,
        a.scheduleIndex,
        a.responseStatus,
        a.succeeded,
        a.responseExcerpt,
      ]),
    ).toEqual([
      ['scheduled', 1, 500, false, 'boom 1'],
      ['scheduled', 2, 500, false, 'boom 2'],
      ['scheduled', 3, 204, true, ''],
    ]);
    expect(detail.data!.attemptLog.every((a) => a.latencyMs >= 0)).toBe(true);

    // Subscribed events only: invitation.created and invitation.accepted were not sent here.
    expect(
      receiver.received.filter((r) => r.path === '/joined').map((r) => (JSON.parse(r.body) as { type: string }).type),
    ).toEqual(['member.joined', 'member.joined', 'member.joined']);
    const endpointNow = await client.GET('/api/v1/webhooks/endpoints/{id}', {
      params: { header: headers, path: { id: endpoint.id } },
    });
    expect(endpointNow.data).toMatchObject({ enabled: true, consecutiveFailures: 0, failingSince: null });
  });

  it('disables an endpoint after sustained failure, refuses replays until re-enabled, then replays', async () => {
    const owner = await registerUser(t);
    const orgId = await proOrg(owner, 'Down Co');
    let healthy = false;
    receiver.respond('/down', () => (healthy ? 200 : 503));
    const created = await call(t, 'POST', '/api/v1/webhooks/endpoints', {
      ...inOrg(owner, orgId),
      body: { url: `${receiver.url}/down` },
    });
    const id = created.body.id as string;
    const test = await call(t, 'POST', `/api/v1/webhooks/endpoints/${id}/test`, inOrg(owner, orgId));
    expect([test.status, test.body.eventType, test.body.status]).toEqual([202, 'webhook.test', 'pending']);

    const disabled = await eventually(
      async () => {
        const res = await call(t, 'GET', `/api/v1/webhooks/endpoints/${id}`, inOrg(owner, orgId));
        return res.body.enabled === false ? (res.body as Json) : undefined;
      },
      15_000,
      'auto-disable',
    );
    expect(disabled).toMatchObject({
      consecutiveFailures: 3,
      disabledReason: expect.stringContaining('every attempt failed'),
    });
    const failed = await eventually(async () => {
      const res = await call(t, 'GET', `/api/v1/webhooks/deliveries/${test.body.id}`, inOrg(owner, orgId));
      return res.body.status === 'failed' ? (res.body as Json) : undefined;
    });
    expect(failed.attemptLog.map((a: { responseStatus: number }) => a.responseStatus)).toEqual([503, 503, 503]);

    const refused = await call(t, 'POST', `/api/v1/webhooks/deliveries/${test.body.id}/replay`, inOrg(owner, orgId));
    expect([refused.status, refused.body.code]).toEqual([409, 'WEBHOOK_ENDPOINT_DISABLED']);

    healthy = true;
    const enabled = await call(t, 'PATCH', `/api/v1/webhooks/endpoints/${id}`, {
      ...inOrg(owner, orgId),
      body: { enabled: true },
    });
    expect(enabled.body).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledReason: null });
    const replay = await call(t, 'POST', `/api/v1/webhooks/deliveries/${test.body.id}/replay`, inOrg(owner, orgId));
    expect(replay.status).toBe(202);
    const replayed = await eventually(async () => {
      const res = await call(t, 'GET', `/api/v1/webhooks/deliveries/${test.body.id}`, inOrg(owner, orgId));
      return res.body.status === 'succeeded' ? (res.body as Json) : undefined;
    });
    expect(replayed.attemptLog).toHaveLength(4);
    expect(replayed.attemptLog[3]).toMatchObject({ trigger: 'manual', scheduleIndex: null, responseStatus: 200 });
    const sent = receiver.received.filter((r) => r.path === '/down');
    expect(new Set(sent.map((r) => r.headers['webhook-id']))).toEqual(new Set([test.body.messageId]));
  });

  it('keeps endpoints and deliveries inside their organization, for managers, on plans with webhooks', async () => {
    const owner = await registerUser(t);
    const other = await registerUser(t);
    const member = await registerUser(t);
    const orgA = await proOrg(owner, 'Hook A');
    const orgB = await proOrg(other, 'Hook B');
    receiver.respond('/a', () => 200);
    const endpoint = await call(t, 'POST', '/api/v1/webhooks/endpoints', {
      ...inOrg(owner, orgA),
      body: { url: `${receiver.url}/a` },
    });
    const test = await call(t, 'POST', `/api/v1/webhooks/endpoints/${endpoint.body.id}/test`, inOrg(owner, orgA));

    // Even with private targets allowed (this app), the cloud metadata service and link-local addresses never are.
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://[fd00:ec2::254]/', 'http://169.254.1.1/']) {
      const refused = await call(t, 'POST', '/api/v1/webhooks/endpoints', { ...inOrg(owner, orgA), body: { url } });
      expect([url, refused.status, refused.body.code]).toEqual([url, 400, 'WEBHOOK_PRIVATE_TARGET']);
    }

    // A manager of organization B, asking in B, finds none of A's objects.
    for (const [method, path] of [
      ['GET', `/api/v1/webhooks/endpoints/${endpoint.body.id}`],
      ['PATCH', `/api/v1/webhooks/endpoints/${endpoint.body.id}`],
      ['DELETE', `/api/v1/webhooks/endpoints/${endpoint.body.id}`],
      ['GET', `/api/v1/webhooks/endpoints/${endpoint.body.id}/secret`],
      ['POST', `/api/v1/webhooks/endpoints/${endpoint.body.id}/rotate-secret`],
      ['POST', `/api/v1/webhooks/endpoints/${endpoint.body.id}/test`],
      ['GET', `/api/v1/webhooks/endpoints/${endpoint.body.id}/deliveries`],
      ['GET', `/api/v1/webhooks/deliveries/${test.body.id}`],
      ['POST', `/api/v1/webhooks/deliveries/${test.body.id}/replay`],
    ] as const) {
      const res = await call(t, method, path, { ...inOrg(other, orgB), body: method === 'PATCH' ? {} : undefined });
      expect([path, res.status]).toEqual([path, 404]);
    }
    // Asking in A without being a member: 404 for the organization itself.
    const outsider = await call(t, 'GET', `/api/v1/webhooks/endpoints/${endpoint.body.id}`, inOrg(other, orgA));
    expect([outsider.status, outsider.body.code]).toEqual([404, 'ORG_NOT_FOUND']);
    const listB = await call(t, 'GET', '/api/v1/webhooks/endpoints', inOrg(other, orgB));
    expect(listB.body).toMatchObject({ total: 0, items: [] });

    // A plain member may not manage webhooks.
    const em = t.app.get(MikroORM).em.fork();
    em.create(Membership, { organization: orgA, user: member.id, role: OrgRole.Member });
    await em.flush();
    const denied = await call(t, 'GET', '/api/v1/webhooks/endpoints', inOrg(member, orgA));
    expect([denied.status, denied.body.code]).toEqual([403, 'ORG_PERMISSION_DENIED']);

    // A free organization has no webhooks.
    const free = await call(t, 'POST', '/api/v1/organizations', {
      token: owner.accessToken,
      body: { name: 'Free Co' },
    });
    const gated = await call(t, 'POST', '/api/v1/webhooks/endpoints', {
      ...inOrg(owner, free.body.id),
      body: { url: `${receiver.url}/a` },
    });
    expect([gated.status, gated.body.code]).toEqual([403, 'ORG_FEATURE_NOT_IN_PLAN']);

    // Bad input names its field.
    const bad = await call(t, 'POST', '/api/v1/webhooks/endpoints', {
      ...inOrg(owner, orgA),
      body: { url: 'ftp://example.com', eventTypes: ['member.joined', 'nope'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['eventTypes', 'url']);

    // The secret can be read back and rotated; the catalogue lists every event.
    const secret = await call(t, 'GET', `/api/v1/webhooks/endpoints/${endpoint.body.id}/secret`, inOrg(owner, orgA));
    expect(secret.body.secret).toBe(endpoint.body.secret);
    const rotated = await call(
      t,
      'POST',
      `/api/v1/webhooks/endpoints/${endpoint.body.id}/rotate-secret`,
      inOrg(owner, orgA),
    );
    expect(rotated.body.secret).not.toBe(endpoint.body.secret);
    const types = await call(t, 'GET', '/api/v1/webhooks/event-types', { token: member.accessToken });
    expect(types.body.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['member.joined', 'invitation.accepted']),
    );
  });
});
