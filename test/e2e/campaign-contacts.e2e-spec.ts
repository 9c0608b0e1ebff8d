import { MikroORM } from '@mikro-orm/postgresql';
import { createSwitchboardClient } from '../../client';
import { Membership, OrgRole } from 'src/modules/organizations/membership.entity';
import { Organization, Plan } from 'src/modules/organizations/organization.entity';
import { call, inOrg, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';

/** Contacts, lists and suppressions of the campaigns domain (issue #17, first part). */
describe('campaign contacts, lists and suppressions', () => {
  let t: TestApp;
  let owner: TestUser;
  let member: TestUser;
  let stranger: TestUser;
  let orgId: string;
  let otherOrg: string;
  let api: ReturnType<typeof createSwitchboardClient>;
  const org = (): { header: { 'X-Organization-Id': string } } => ({ header: { 'X-Organization-Id': orgId } });

  beforeAll(async () => {
    t = await startTestApp();
    [owner, member, stranger] = await Promise.all([registerUser(t), registerUser(t), registerUser(t)]);
    const create = async (user: TestUser, name: string): Promise<string> =>
      (await call(t, 'POST', '/api/v1/organizations', { token: user.accessToken, body: { name } })).body.id as string;
    orgId = await create(owner, 'Campaigns Co');
    otherOrg = await create(stranger, 'Other Co');
    const em = t.app.get(MikroORM).em.fork();
    await em.nativeUpdate(Organization, { id: { $in: [orgId, otherOrg] } }, { plan: Plan.Pro });
    em.create(Membership, { organization: orgId, user: member.id, role: OrgRole.Member, joinedAt: new Date() });
    await em.flush();
    api = createSwitchboardClient(t.baseUrl, { token: owner.accessToken });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses organizations whose plan lacks campaigns, and members without campaigns.manage', async () => {
    const freeOwner = await registerUser(t);
    const free = (await call(t, 'POST', '/api/v1/organizations', { token: freeOwner.accessToken, body: { name: 'F' } }))
      .body.id as string;
    const res = await call(t, 'GET', '/api/v1/campaigns/contacts', inOrg(freeOwner, free));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('ORG_FEATURE_NOT_IN_PLAN');
    expect((await call(t, 'GET', '/api/v1/campaigns/contacts', inOrg(member, orgId))).status).toBe(403);
    expect((await call(t, 'GET', '/api/v1/campaigns/contacts', inOrg(stranger, orgId))).status).toBe(404);
  });

  it('keeps emails unique in any case, validates every field by name and writes nothing on a bad request', async () => {
    const created = await api.POST('/api/v1/campaigns/contacts', {
      params: org(),
      body: { email: '  Ada.Lovelace@Example.COM ', name: 'Ada', attributes: { plan: 'pro', seats: 3 }, tags: ['vip'] },
    });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({
      email: 'ada.lovelace@example.com',
      name: 'Ada',
      attributes: { plan: 'pro', seats: 3 },
      tags: ['vip'],
      status: 'active',
      consentSource: null,
    });

    const again = await call(t, 'POST', '/api/v1/campaigns/contacts', {
      ...inOrg(owner, orgId),
      body: { email: 'ADA.LOVELACE@example.com' },
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'CAMPAIGN_CONTACT_EXISTS', details: { field: 'email' } });

    const bad = [
      [{ email: 'not-an-address' }, 'email'],
      [{ email: 'x@example.com', attributes: { nested: { deep: 1 } } }, 'attributes'],
      [{ email: 'x@example.com', attributes: { 'bad name': 1 } }, 'attributes'],
      [{ email: 'x@example.com', tags: ['has space'] }, 'tag'],
      [{ email: 'x@example.com', status: 'gone' }, 'status'],
      [{ email: 'x@example.com', listIds: ['00000000-0000-4000-8000-000000000000'] }, 'listIds'],
    ] as const;
    for (const [body, field] of bad) {
      const res = await call(t, 'POST', '/api/v1/campaigns/contacts', { ...inOrg(owner, orgId), body });
      expect({ body, status: res.status }).toEqual({ body, status: res.status === 404 ? 404 : 400 });
      expect(JSON.stringify(res.body)).toContain(field);
    }
    // None of the refused contacts was written, the one with an unknown list included (one transaction).
    const page = await api.GET('/api/v1/campaigns/contacts', { params: { ...org(), query: { q: 'x@example.com' } } });
    expect(page.data!.items).toEqual([]);
  });

  it('finds contacts by attributes, tag, status and text, page by page with a cursor', async () => {
    const emails: string[] = [];
    for (let i = 0; i < 7; i++) {
      const email = `page-${i}@example.org`;
      emails.push(email);
      const res = await api.POST('/api/v1/campaigns/contacts', {
        params: org(),
        body: {
          email,
          attributes: { plan: i % 2 === 0 ? 'pro' : 'free', n: i },
          tags: i < 3 ? ['early'] : [],
          status: i === 6 ? 'unsubscribed' : undefined,
          consentSource: 'import',
        },
      });
      expect(res.response.status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await api.GET('/api/v1/campaigns/contacts', {
        params: { ...org(), query: { q: 'page-', limit: 3, cursor } },
      });
      expect(res.response.status).toBe(200);
      seen.push(...res.data!.items.map((c) => c.email));
      cursor = res.data!.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...emails].reverse());

    const find = async (query: Record<string, string>): Promise<string[]> => {
      const res = await api.GET('/api/v1/campaigns/contacts', {
        params: { ...org(), query: { q: 'page-', ...query } },
      });
      expect(res.response.status).toBe(200);
      return res.data!.items.map((c) => c.email).sort();
    };
    expect(await find({ attributes: '{"plan":"pro"}' })).toEqual([
      'page-0@example.org',
      'page-2@example.org',
      'page-4@example.org',
      'page-6@example.org',
    ]);
    expect(await find({ attributes: '{"plan":"pro","n":4}' })).toEqual(['page-4@example.org']);
    expect(await find({ tag: 'early' })).toEqual(['page-0@example.org', 'page-1@example.org', 'page-2@example.org']);
    expect(await find({ status: 'unsubscribed' })).toEqual(['page-6@example.org']);

    for (const attributes of ['{"plan":', '[1]', '{"a":{"b":1}}']) {
      const res = await call(
        t,
        'GET',
        `/api/v1/campaigns/contacts?attributes=${encodeURIComponent(attributes)}`,
        inOrg(owner, orgId),
      );
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual({ field: 'attributes' });
    }

    // The same filters export as CSV, streamed.
    const csv = await fetch(
      `${t.baseUrl}/api/v1/campaigns/contacts/export?q=page-&attributes=${encodeURIComponent('{"plan":"pro"}')}`,
      { headers: { authorization: `Bearer ${owner.accessToken}`, 'x-organization-id': orgId } },
    );
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toContain('contacts.csv');
    const lines = (await csv.text()).trimEnd().split('\n');
    expect(lines[0]).toBe('email,name,status,tags,attributes,consent_source,consent_at,created_at');
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual([
      'page-6@example.org',
      'page-4@example.org',
      'page-2@example.org',
      'page-0@example.org',
    ]);
    expect(lines[4]).toContain('"{""n"":0,""plan"":""pro""}"'); // jsonb orders keys
    expect(lines[4]).toContain(',early,');
    const badExport = await call(t, 'GET', '/api/v1/campaigns/contacts/export?attributes=%5B1%5D', inOrg(owner, orgId));
    expect(badExport.status).toBe(400);
    const forged = await call(t, 'GET', '/api/v1/campaigns/contacts?cursor=bm90LWEtY3Vyc29y', inOrg(owner, orgId));
    expect(forged.status).toBe(400);
  });

  it('merges attributes on PATCH (null removes one) and refuses a taken email', async () => {
    const { data: contact } = await api.POST('/api/v1/campaigns/contacts', {
      params: org(),
      body: { email: 'merge@example.com', attributes: { plan: 'free', city: 'Paris' } },
    });
    const patched = await api.PATCH('/api/v1/campaigns/contacts/{id}', {
      params: { ...org(), path: { id: contact!.id } },
      body: {
        attributes: { plan: 'pro', city: null },
        name: 'Merged',
        status: 'bounced',
      },
    });
    expect(patched.data).toMatchObject({ attributes: { plan: 'pro' }, name: 'Merged', status: 'bounced' });
    const taken = await call(t, 'PATCH', `/api/v1/campaigns/contacts/${contact!.id}`, {
      ...inOrg(owner, orgId),
      body: { email: 'Ada.Lovelace@example.com' },
    });
    expect(taken.status).toBe(409);
  });

  it('subscribes contacts to lists (pending under double opt-in) and counts them by status', async () => {
    const contacts = await Promise.all(
      ['l1', 'l2', 'l3'].map(
        async (name) =>
          (await api.POST('/api/v1/campaigns/contacts', { params: org(), body: { email: `${name}@lists.example` } }))
            .data!,
      ),
    );
    const foreign = (
      await call(t, 'POST', '/api/v1/campaigns/contacts', {
        ...inOrg(stranger, otherOrg),
        body: { email: 'f@lists.example' },
      })
    ).body.id as string;
    const { data: list } = await api.POST('/api/v1/campaigns/lists', { params: org(), body: { name: 'Newsletter' } });
    const dup = await call(t, 'POST', '/api/v1/campaigns/lists', {
      ...inOrg(owner, orgId),
      body: { name: 'Newsletter' },
    });
    expect(dup.status).toBe(409);

    const added = await api.POST('/api/v1/campaigns/lists/{id}/subscribers', {
      params: { ...org(), path: { id: list!.id } },
      body: { contactIds: [...contacts.map((c) => c.id), foreign] },
    });
    expect(added.data).toEqual({ added: 3, status: 'confirmed' });
    const again = await api.POST('/api/v1/campaigns/lists/{id}/subscribers', {
      params: { ...org(), path: { id: list!.id } },
      body: { contactIds: [contacts[0].id] },
    });
    expect(again.data!.added).toBe(0);

    const { data: optIn } = await api.POST('/api/v1/campaigns/lists', {
      params: org(),
      body: { name: 'Beta', doubleOptIn: true },
    });
    const pending = await api.POST('/api/v1/campaigns/lists/{id}/subscribers', {
      params: { ...org(), path: { id: optIn!.id } },
      body: { contactIds: [contacts[0].id] },
    });
    expect(pending.data).toEqual({ added: 1, status: 'pending' });

    const removed = await api.DELETE('/api/v1/campaigns/lists/{id}/subscribers/{contactId}', {
      params: { ...org(), path: { id: list!.id, contactId: contacts[2].id } },
    });
    expect(removed.response.status).toBe(204);
    const got = await api.GET('/api/v1/campaigns/lists/{id}', { params: { ...org(), path: { id: list!.id } } });
    expect(got.data!.subscribers).toEqual({ confirmed: 2, pending: 0, unsubscribed: 0 });
    const beta = await api.GET('/api/v1/campaigns/lists/{id}', { params: { ...org(), path: { id: optIn!.id } } });
    expect(beta.data!.subscribers).toEqual({ confirmed: 0, pending: 1, unsubscribed: 0 });

    const subs = await api.GET('/api/v1/campaigns/lists/{id}/subscribers', {
      params: { ...org(), path: { id: list!.id }, query: { limit: 1 } },
    });
    expect(subs.data!.items).toHaveLength(1);
    const rest = await api.GET('/api/v1/campaigns/lists/{id}/subscribers', {
      params: { ...org(), path: { id: list!.id }, query: { limit: 5, cursor: subs.data!.nextCursor! } },
    });
    expect([...subs.data!.items, ...rest.data!.items].map((s) => s.contact.email).sort()).toEqual([
      'l1@lists.example',
      'l2@lists.example',
    ]);
    expect(rest.data!.nextCursor).toBeNull();

    const onList = await api.GET('/api/v1/campaigns/contacts', { params: { ...org(), query: { listId: list!.id } } });
    expect(onList.data!.items.map((c) => c.email).sort()).toEqual(['l1@lists.example', 'l2@lists.example']);

    // Creating a contact straight into a list.
    const direct = await api.POST('/api/v1/campaigns/contacts', {
      params: org(),
      body: { email: 'direct@lists.example', listIds: [list!.id, optIn!.id] },
    });
    expect(direct.response.status).toBe(201);
    const lists = await api.GET('/api/v1/campaigns/lists', { params: org() });
    expect(lists.data!.total).toBe(2);
    expect(lists.data!.items.find((l) => l.id === list!.id)!.subscribers.confirmed).toBe(3);
    expect(lists.data!.items.find((l) => l.id === optIn!.id)!.subscribers.pending).toBe(2);
  });

  it('runs bulk actions in one transaction and leaves other organizations alone', async () => {
    const ids = await Promise.all(
      [0, 1, 2].map(
        async (i) =>
          (await api.POST('/api/v1/campaigns/contacts', { params: org(), body: { email: `bulk-${i}@example.net` } }))
            .data!.id,
      ),
    );
    const foreign = (
      await call(t, 'POST', '/api/v1/campaigns/contacts', {
        ...inOrg(stranger, otherOrg),
        body: { email: 'bulk@other.net' },
      })
    ).body.id as string;
    const bulk = async (body: Record<string, unknown>): Promise<number> => {
      const res = await call(t, 'POST', '/api/v1/campaigns/contacts/bulk', { ...inOrg(owner, orgId), body });
      expect(res.status).toBe(200);
      return res.body.affected as number;
    };
    expect(await bulk({ ids: [...ids, foreign], action: 'tag', tags: ['q4', 'promo'] })).toBe(3);
    expect(await bulk({ ids, action: 'tag', tags: ['q4', 'promo'] })).toBe(0);
    expect(await bulk({ ids: [ids[0]], action: 'untag', tags: ['promo'] })).toBe(1);
    expect(await bulk({ ids: [...ids, foreign], action: 'unsubscribe' })).toBe(3);
    expect(await bulk({ ids: [ids[1]], action: 'resubscribe' })).toBe(1);
    const { data: list } = await api.POST('/api/v1/campaigns/lists', { params: org(), body: { name: 'Bulk list' } });
    expect(await bulk({ ids: [...ids, foreign], action: 'add_to_list', listId: list!.id })).toBe(3);
    expect(await bulk({ ids: [ids[2]], action: 'remove_from_list', listId: list!.id })).toBe(1);

    const first = await api.GET('/api/v1/campaigns/contacts/{id}', { params: { ...org(), path: { id: ids[0] } } });
    expect(first.data).toMatchObject({ tags: ['q4'], status: 'unsubscribed' });
    const second = await api.GET('/api/v1/campaigns/contacts/{id}', { params: { ...org(), path: { id: ids[1] } } });
    expect(second.data).toMatchObject({ status: 'active' });
    expect(second.data!.tags.sort()).toEqual(['promo', 'q4']);

    const missingTags = await call(t, 'POST', '/api/v1/campaigns/contacts/bulk', {
      ...inOrg(owner, orgId),
      body: { ids, action: 'tag' },
    });
    expect(missingTags.status).toBe(400);
    expect(JSON.stringify(missingTags.body)).toContain('tags');

    expect(await bulk({ ids: [...ids, foreign], action: 'delete' })).toBe(3);
    const gone = await call(t, 'GET', `/api/v1/campaigns/contacts/${ids[0]}`, inOrg(owner, orgId));
    expect(gone.status).toBe(404);
    const theirs = await call(t, 'GET', `/api/v1/campaigns/contacts/${foreign}`, inOrg(stranger, otherOrg));
    expect(theirs.body).toMatchObject({ tags: [], status: 'active' });
  });

  it('keeps a suppression list per organization', async () => {
    const created = await api.POST('/api/v1/campaigns/suppressions', {
      params: org(),
      body: { email: 'No.More@Example.com', note: 'asked by phone' },
    });
    expect(created.data).toMatchObject({ email: 'no.more@example.com', reason: 'manual', note: 'asked by phone' });
    const dup = await call(t, 'POST', '/api/v1/campaigns/suppressions', {
      ...inOrg(owner, orgId),
      body: { email: 'no.more@example.com' },
    });
    expect(dup.status).toBe(409);
    const theirs = await call(t, 'POST', '/api/v1/campaigns/suppressions', {
      ...inOrg(stranger, otherOrg),
      body: { email: 'no.more@example.com', reason: 'complained' },
    });
    expect(theirs.status).toBe(201);
    const page = await api.GET('/api/v1/campaigns/suppressions', { params: { ...org(), query: { q: 'NO.MORE' } } });
    expect(page.data).toMatchObject({ total: 1, items: [{ email: 'no.more@example.com' }] });
    expect(
      (await call(t, 'DELETE', `/api/v1/campaigns/suppressions/${theirs.body.id}`, inOrg(owner, orgId))).status,
    ).toBe(404);
    const lifted = await api.DELETE('/api/v1/campaigns/suppressions/{id}', {
      params: { ...org(), path: { id: created.data!.id } },
    });
    expect(lifted.response.status).toBe(204);
  });
});
