import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { MikroORM } from '@mikro-orm/postgresql';
import fc, { type Arbitrary } from 'fast-check';
import { Role } from 'src/common/auth/auth-user';
import { Membership, OrgRole } from 'src/modules/organizations/membership.entity';
import { Organization, Plan } from 'src/modules/organizations/organization.entity';
import { User } from 'src/modules/users/user.entity';
import { operations, resolve, type Operation, type Schema } from '../support/openapi-model';
import { call, inOrg, registerUser, startTestApp, type TestApp, type TestUser } from '../support/test-app';

/**
 * A schema-aware fuzzer over the committed OpenAPI document: fast-check arbitraries built from each operation's
 * path, query and body schemas, mixed with a corpus of hostile values, sent concurrently to a test app on 127.0.0.1.
 * Any 5xx, or any 4xx without the error shape `{ statusCode, code, message, requestId }`, fails the run.
 *
 * Seeded: `FUZZ_SEED=<n>` replays a run request for request (the seed is printed), `FUZZ_RUNS=<n>` sends more
 * (10,000 by default), `FUZZ_ONLY=<index>` sends the one request of that index of the run, `FUZZ_REPORT=<file>`
 * writes every failing request there.
 *
 * Local traffic only: host fields of mail accounts are loopback names and closed ports; webhook URLs are loopback
 * (refused: the app has no private-target allowance); email domains are ones resolved without DNS.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 1414);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const ONLY = process.env.FUZZ_ONLY === undefined ? undefined : Number(process.env.FUZZ_ONLY);
/** A file to write every failing request to (the test output shows the first of each route). */
const REPORT = process.env.FUZZ_REPORT;
const CONCURRENCY = 16;
const REQUEST_TIMEOUT_MS = 30_000;

const MB = 1024 * 1024;
const BIG = 'A'.repeat(MB);
const NEAR_LIMIT = 'B'.repeat(1_000_000);

/** Strings that have broken servers: control characters, broken UTF-16, direction overrides, sizes, injections. */
const HOSTILE_STRINGS: string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  '\u202eevil\u202c',
  '\u200f\u200e\u2066',
  '\ufeff',
  '\r\n\r\nX-Injected: 1',
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00',
  '%ED%A0%80',
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  '🦄'.repeat(300),
  'é'.repeat(5000),
  'x'.repeat(70_000),
  '-000001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '+275760-09-13T00:00:00.001Z',
  '9999-12-31T23:59:59.999Z',
  '0000-00-00T00:00:00Z',
  '2024-02-30T25:61:61Z',
  '1970-01-01T00:00:00Z',
  'NaN',
  'Infinity',
  '-1',
  '1e309',
  '2147483648',
  '9007199254740993',
  'true',
  'null',
  '[]',
  '{}',
];

/** Numbers beyond what PostgreSQL's integer columns, JavaScript's safe range or a sane limit take. */
const HOSTILE_NUMBERS: number[] = [
  -1,
  0,
  -0,
  0.5,
  -2147483649,
  2147483648,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER - 2,
  1e21,
  1e308,
  -1e308,
  Number.MIN_VALUE,
];

const EXTREME_DATES = [
  '-000001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2024-13-01T00:00:00Z',
  '2024-01-01',
  '1700000000000',
];

const hostileString: Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE_STRINGS), weight: 20 },
  { arbitrary: fc.constantFrom(BIG, NEAR_LIMIT), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 6 },
);

/** Any JSON value of the wrong kind. */
const wrongType: Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(...HOSTILE_NUMBERS),
  hostileString,
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant({ __proto__: { isAdmin: true } }),
);

/** Only addresses on this machine (port 1 and 9 are closed): a fuzzed mail server must never be out there. */
const LOCAL_HOSTS = ['127.0.0.1', 'localhost', '::1', '', 'not a host', 'a..b', '-', '127.0.0.1\u0000', 'LOCALHOST'];
const LOCAL_PORTS: unknown[] = [1, 9, 0, -1, 65536, 1.5, '1', null];
const LOCAL_URLS = [
  'http://127.0.0.1:9/hook',
  'http://localhost:9/x',
  'http://[::1]:9/',
  'https://127.0.0.1:1/%00',
  'ftp://127.0.0.1/',
  'javascript:alert(1)',
  'http://127.0.0.1:9/' + 'p'.repeat(5000),
  'not a url',
  '',
];
/** Domains that need no DNS lookup anywhere (autodiscover knows them without asking). */
const EMAIL_DOMAINS = ['gmail.com', 'outlook.com', 'example.com'];

const emailLike: Arbitrary<string> = fc.oneof(
  fc.tuple(fc.stringMatching(/^[a-z0-9._+-]{1,20}$/), fc.constantFrom(...EMAIL_DOMAINS)).map(([l, d]) => `${l}@${d}`),
  fc
    .tuple(fc.constantFrom(...HOSTILE_STRINGS.filter((s) => !s.includes('@'))), fc.constantFrom(...EMAIL_DOMAINS))
    .map(([l, d]) => `${l}@${d}`),
  fc.constantFrom('no-at-sign', '@', '', 'a@', 'a b@gmail.com'),
);

/** Values that fill uuid path parameters: real objects of the fuzzer's organization, fresh uuids, junk. */
interface Pools {
  [name: string]: string[];
}

/** A string value for a property or parameter called `name` with schema `s`. */
function stringArb(s: Schema, name: string, pools: Pools): Arbitrary<unknown> {
  if (/host/i.test(name)) {
    return fc.constantFrom(...LOCAL_HOSTS);
  }
  if (/url|uri/i.test(name) || s.format === 'uri') {
    return fc.constantFrom(...LOCAL_URLS);
  }
  if (/email/i.test(name) || s.format === 'email') {
    return emailLike;
  }
  let valid: Arbitrary<unknown>;
  switch (s.format) {
    case 'uuid':
      valid = fc.oneof(fc.uuid(), fc.constantFrom(...(pools.uuid.length ? pools.uuid : [randomUUID()])));
      break;
    case 'date-time':
      valid = fc.oneof(
        fc
          .date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString()),
        fc.constantFrom(...EXTREME_DATES),
      );
      break;
    default:
      valid = fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 60, 300) });
  }
  return fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: hostileString, weight: 1 });
}

/** An arbitrary for `schema`: mostly shaped like the schema, with hostile leaves, wrong types and extra keys. */
function arbFor(schema: Schema | undefined, name: string, pools: Pools, depth = 0): Arbitrary<unknown> {
  const s = resolve(schema);
  if (/port/i.test(name) && (s.type === 'integer' || s.type === 'number')) {
    return fc.constantFrom(...LOCAL_PORTS);
  }
  let shaped: Arbitrary<unknown>;
  if (s.enum?.length) {
    shaped = fc.oneof({ arbitrary: fc.constantFrom(...s.enum), weight: 4 }, { arbitrary: hostileString, weight: 1 });
  } else if (s.oneOf?.length || s.anyOf?.length) {
    shaped = fc.oneof(...(s.oneOf ?? s.anyOf)!.map((sub) => arbFor(sub, name, pools, depth + 1)));
  } else {
    const type = s.type ?? (s.properties ? 'object' : undefined);
    switch (type) {
      case 'string':
        shaped = stringArb(s, name, pools);
        break;
      case 'integer':
        shaped = fc.oneof(
          { arbitrary: fc.integer({ min: s.minimum ?? -10, max: s.maximum ?? 1000 }), weight: 3 },
          { arbitrary: fc.constantFrom(...HOSTILE_NUMBERS), weight: 1 },
        );
        break;
      case 'number':
        shaped = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(...HOSTILE_NUMBERS));
        break;
      case 'boolean':
        shaped = fc.oneof(
          { arbitrary: fc.boolean(), weight: 4 },
          { arbitrary: fc.constantFrom<unknown>('true', 1, null), weight: 1 },
        );
        break;
      case 'array':
        shaped =
          depth > 4
            ? fc.constant([])
            : fc.oneof(
                { arbitrary: fc.array(arbFor(s.items, name, pools, depth + 1), { maxLength: 4 }), weight: 5 },
                { arbitrary: fc.array(fc.uuid(), { minLength: 101, maxLength: 300 }), weight: 1 },
              );
        break;
      case 'object': {
        if (depth > 4) {
          shaped = fc.constant({});
          break;
        }
        const props = Object.fromEntries(
          Object.entries(s.properties ?? {})
            .filter(([, v]) => !resolve(v).readOnly)
            .map(([key, v]) => [key, arbFor(v, key, pools, depth + 1)]),
        );
        const required = (s.required ?? []).filter((key) => key in props);
        shaped = fc.record(props, { requiredKeys: required });
        break;
      }
      default:
        shaped = fc.jsonValue({ maxDepth: 2 });
    }
  }
  return fc.oneof({ arbitrary: shaped, weight: 12 }, { arbitrary: wrongType, weight: 1 });
}

/** How the body of one request is sent. */
type BodyMode = 'schema' | 'extra' | 'proto' | 'wrong' | 'malformed' | 'deep' | 'rawNumber' | 'contentType' | 'none';

interface FuzzRequest {
  index: number;
  op: string;
  method: string;
  url: string;
  identity: 'owner' | 'anonymous' | 'throwaway';
  headers: Record<string, string>;
  body?: string;
  mode: BodyMode;
}

/** Routes that would end the fuzzer's own session or account: they run as a throwaway user registered for them. */
const THROWAWAY: Record<string, string> = {
  'DELETE /api/v1/settings/account': 'deletes the caller',
  'POST /api/v1/auth/logout': "ends the caller's session",
  'POST /api/v1/auth/logout-all': "ends the caller's sessions",
  'PUT /api/v1/auth/me/password': "changes the caller's password and ends other sessions",
  'POST /api/v1/auth/2fa/enroll': 'puts the caller into second-factor enrolment',
  'POST /api/v1/auth/2fa/confirm': "turns on the caller's second factor",
  'POST /api/v1/auth/2fa/disable': "changes the caller's second factor",
  'POST /api/v1/team/leave': 'takes the caller out of the organization',
};

const DEEP_JSON = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
const DEEP_ARRAY = '['.repeat(10_000) + ']'.repeat(10_000);

/** Percent-encodes a path or query value, lone surrogates as their raw (invalid UTF-8) three-byte form. */
function pct(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += encodeURIComponent(value.slice(i, i + 2));
        i++;
        continue;
      }
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
      continue;
    }
    out += encodeURIComponent(value[i]);
  }
  return out;
}

function queryValue(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  // Query strings carry text: objects and arrays go as their JSON, numbers and booleans as written.
  return typeof value === 'object' || typeof value === 'undefined'
    ? String(JSON.stringify(value))
    : `${value as number}`;
}

/** The arbitrary of one whole request for `op`. */
function requestArb(op: Operation, pools: Pools, orgId: string): Arbitrary<Omit<FuzzRequest, 'index'>> {
  const opKey = `${op.method} ${op.path}`;
  const pathArbs = Object.fromEntries(
    op.pathParams.map((name) => [
      name,
      fc.oneof(
        { arbitrary: fc.constantFrom(...poolFor(op, name, pools)).map(pct), weight: 6 },
        { arbitrary: fc.uuid(), weight: 2 },
        { arbitrary: hostileString.map((v) => (v.startsWith('%') ? v : pct(v))), weight: 2 },
        { arbitrary: fc.constantFrom('%ED%A0%80', '%00', '%', '%zz', '..%2F..%2F', 'x'.repeat(3000)), weight: 1 },
      ),
    ]),
  );
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const queryArb = fc.record(Object.fromEntries(queryParams.map((p) => [p.name, arbFor(p.schema, p.name, pools)])), {
    requiredKeys: [],
  });
  const bodySchema = op.body?.schema;
  // fetch sends no body with GET (nor does any client that matters); other bodiless routes still get junk bodies.
  const modes: BodyMode[] =
    op.method === 'GET'
      ? ['none']
      : op.body
        ? [
            'schema',
            'schema',
            'schema',
            'schema',
            'schema',
            'extra',
            'proto',
            'wrong',
            'malformed',
            'deep',
            'rawNumber',
          ]
        : ['none', 'none', 'none', 'none', 'schema', 'malformed', 'contentType'];
  return fc
    .record({
      path: fc.record(pathArbs, { requiredKeys: op.pathParams }),
      query: queryArb,
      hugeQuery: fc.oneof({ arbitrary: fc.constant(false), weight: 60 }, { arbitrary: fc.constant(true), weight: 1 }),
      mode: fc.oneof(
        { arbitrary: fc.constantFrom(...modes), weight: 10 },
        { arbitrary: fc.constant<BodyMode>(op.method === 'GET' ? 'none' : 'contentType'), weight: 1 },
      ),
      body: bodySchema ? arbFor(bodySchema, '', pools) : fc.constant(undefined),
      extraKey: fc.constantFrom('isAdmin', 'role', 'organizationId', 'id', 'createdAt', 'x'.repeat(300), '\u0000'),
      extraValue: wrongType,
      anonymous: fc.oneof({ arbitrary: fc.constant(false), weight: 7 }, { arbitrary: fc.constant(true), weight: 1 }),
      orgHeader: fc.oneof(
        { arbitrary: fc.constant(orgId), weight: 12 },
        { arbitrary: fc.uuid(), weight: 1 },
        { arbitrary: fc.constantFrom('', 'x', 'not-a-uuid', `${orgId},${orgId}`, 'a'.repeat(9000)), weight: 1 },
      ),
      idempotencyKey: fc.oneof(fc.uuid(), fc.constantFrom('', 'k'.repeat(500), ' ')),
      contentType: fc.constantFrom(
        'application/x-www-form-urlencoded',
        'text/plain',
        'multipart/form-data',
        'multipart/form-data; boundary=zzz',
        'application/json; charset=utf-16',
        'application/xml',
        '',
      ),
    })
    .map((g) => {
      let url = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => g.path[name]);
      const query = Object.entries(g.query)
        .map(([k, v]) => `${pct(k)}=${pct(queryValue(v))}`)
        .join('&');
      if (g.hugeQuery) {
        url += `?q=${'q'.repeat(70_000)}`;
      } else if (query) {
        url += `?${query}`;
      }
      const headers: Record<string, string> = {};
      if (op.permission || g.orgHeader !== orgId) {
        headers['x-organization-id'] = g.orgHeader;
      }
      if (op.parameters.some((p) => p.name === 'Idempotency-Key')) {
        headers['idempotency-key'] = g.idempotencyKey;
      }
      let body: string | undefined;
      switch (g.mode) {
        case 'schema':
          body = JSON.stringify(g.body ?? {});
          headers['content-type'] = 'application/json';
          break;
        case 'extra':
        case 'proto': {
          const base = g.body && typeof g.body === 'object' && !Array.isArray(g.body) ? g.body : {};
          const json = JSON.stringify({ ...base, ...(g.mode === 'extra' ? { [g.extraKey]: g.extraValue } : {}) });
          body =
            g.mode === 'proto'
              ? json.replace(/^\{/, '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}},')
              : json;
          if (body.endsWith(',}')) {
            body = body.slice(0, -2) + '}';
          }
          headers['content-type'] = 'application/json';
          break;
        }
        case 'wrong':
          body = JSON.stringify(g.extraValue);
          headers['content-type'] = 'application/json';
          break;
        case 'malformed':
          body = JSON.stringify(g.body ?? { a: 1 }).slice(0, -1) + ',';
          headers['content-type'] = 'application/json';
          break;
        case 'deep':
          body = g.extraKey.length % 2 ? DEEP_JSON : DEEP_ARRAY;
          headers['content-type'] = 'application/json';
          break;
        case 'rawNumber':
          body = JSON.stringify(g.body ?? {}).replace(/(:)(-?\d+(\.\d+)?)/, '$11e999');
          headers['content-type'] = 'application/json';
          break;
        case 'contentType':
          body = g.contentType.startsWith('multipart')
            ? '--zzz\r\nContent-Disposition: form-data; name="f"\r\n'
            : 'a=1';
          headers['content-type'] = g.contentType;
          break;
        case 'none':
          break;
      }
      const identity = THROWAWAY[opKey] ? 'throwaway' : g.anonymous || !op.authenticated ? 'anonymous' : 'owner';
      return { op: opKey, method: op.method, url, identity, headers, body, mode: g.mode };
    });
}

/** Real ids for a path parameter, by route: the fuzzer's own objects, so handlers get past their lookups. */
function poolFor(op: Operation, name: string, pools: Pools): string[] {
  const rules: Array<[RegExp, string, string]> = [
    [/^\/api\/v1\/admin\/users\/\{id\}/, 'id', 'victim'],
    [/^\/api\/v1\/admin\/organizations\/\{id\}/, 'id', 'victimOrg'],
    [/^\/api\/v1\/admin\/reports\/\{id\}/, 'id', 'report'],
    [/^\/api\/v1\/reports\/\{id\}/, 'id', 'report'],
    [/\/chat\/conversations\/\{id\}/, 'id', 'conversation'],
    [/\/chat\/conversations\/\{id\}/, 'messageId', 'message'],
    [/\/userId/, 'userId', 'member'],
    [/\{userId\}/, 'userId', 'member'],
    [/\/video\/meetings\/\{id\}/, 'id', 'meeting'],
    [/\/video\/calls\/\{id\}/, 'id', 'call'],
    [/\/team\/invitations\/\{id\}/, 'id', 'invitation'],
    [/\/settings\/api-keys\/\{id\}/, 'id', 'apiKey'],
    [/\/settings\/export-data\/\{id\}/, 'id', 'export'],
    [/\/mail\/messages\/\{id\}\/attachments\/\{index\}/, 'index', 'index'],
  ];
  const row = rules.find(([pattern, param]) => param === name && pattern.test(op.path));
  const pool = row ? pools[row[2]] : undefined;
  return pool?.length ? pool : [randomUUID()];
}

interface Outcome {
  request: FuzzRequest;
  status: number;
  problem?: string;
}

/** The error shape every 4xx and 5xx must have. */
function envelopeProblem(status: number, text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `body is not JSON: ${text.slice(0, 200)}`;
  }
  const b = body as Record<string, unknown>;
  const ok =
    b !== null &&
    typeof b === 'object' &&
    b.statusCode === status &&
    typeof b.code === 'string' &&
    typeof b.message === 'string' &&
    typeof b.requestId === 'string' &&
    b.requestId.length > 0;
  return ok ? undefined : `body lacks the error shape: ${text.slice(0, 300)}`;
}

function describeRequest(r: FuzzRequest): string {
  const body = r.body === undefined ? '' : `\n  body (${r.body.length} chars): ${JSON.stringify(r.body.slice(0, 600))}`;
  return (
    `#${r.index} ${r.method} ${r.url.length > 400 ? `${r.url.slice(0, 400)}… (${r.url.length} chars)` : r.url}` +
    ` [${r.identity}, ${r.mode}] headers ${JSON.stringify(r.headers).slice(0, 300)}${body}`
  );
}

describe(`schema-aware fuzzer (FUZZ_SEED=${SEED}, FUZZ_RUNS=${RUNS})`, () => {
  let t: TestApp;
  let owner: TestUser;
  let orgId: string;
  const pools: Pools = { uuid: [] };

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_DISABLE_AFTER: '0' });
    const em = t.app.get(MikroORM).em.fork();
    owner = await registerUser(t);
    const member = await registerUser(t);
    const victim = await registerUser(t);
    orgId = (await call(t, 'POST', '/api/v1/organizations', { token: owner.accessToken, body: { name: 'Fuzz' } })).body
      .id as string;
    const victimOrg = (
      await call(t, 'POST', '/api/v1/organizations', { token: victim.accessToken, body: { name: 'Victim' } })
    ).body.id as string;
    await em.nativeUpdate(Organization, { id: orgId }, { plan: Plan.Pro });
    // A system admin too, so the admin routes are fuzzed past their role check (their targets are the victim's).
    await em.nativeUpdate(User, { id: owner.id }, { role: Role.Admin });
    em.create(Membership, { organization: orgId, user: member.id, role: OrgRole.Member, joinedAt: new Date() });
    await em.flush();
    const a = inOrg(owner, orgId);
    const id = async (method: string, path: string, body?: unknown, headers = a): Promise<string> => {
      const res = await call(t, method, path, { ...headers, body });
      if (res.status >= 300) {
        throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      }
      return res.body.id as string;
    };
    const conversation = await id('POST', '/api/v1/chat/conversations', {
      type: 'group',
      title: 'Fuzz',
      memberIds: [member.id],
    });
    Object.assign(pools, {
      victim: [victim.id],
      victimOrg: [victimOrg],
      member: [member.id],
      conversation: [conversation],
      message: [await id('POST', `/api/v1/chat/conversations/${conversation}/messages`, { body: 'hi' })],
      meeting: [await id('POST', '/api/v1/video/meetings', { title: 'Fuzz meeting' })],
      call: [await id('POST', '/api/v1/video/calls', { direction: 'internal', participantIds: [member.id] })],
      invitation: [await id('POST', '/api/v1/team/invite', { email: 'fuzz-invitee@example.com', role: 'member' })],
      apiKey: [await id('POST', '/api/v1/settings/api-keys', { name: 'fuzz', scopes: ['org.read'] })],
      report: [
        await id(
          'POST',
          '/api/v1/reports',
          { type: 'bug', title: 'fuzz', description: 'fuzz' },
          { token: owner.accessToken, headers: {} },
        ),
      ],
      export: [await id('POST', '/api/v1/settings/export-data', undefined, { token: owner.accessToken, headers: {} })],
      index: ['0', '1', '-1', '99999999999'],
    });
    pools.uuid = [conversation, member.id, ...pools.meeting, ...pools.call, ...pools.message];
  });
  afterAll(async () => {
    await t?.close();
  }, 60_000);

  it(
    `sends ${RUNS} requests across every route with no 5xx and the error shape on every 4xx`,
    async () => {
      const ops = operations();
      const arbs = ops.map((op) => requestArb(op, pools, orgId));
      const pick = fc.integer({ min: 0, max: ops.length - 1 });
      /** Request `index` of the run: a pure function of (seed, index), so one request replays alone. */
      const generate = (index: number): FuzzRequest => {
        const seed = (SEED * 1_000_003 + index) | 0;
        const [which] = fc.sample(pick, { seed, numRuns: 1 });
        // Every route at least once per run, in order, then routes at random.
        const op = index < ops.length ? index : which;
        const [req] = fc.sample(arbs[op], { seed: seed ^ 0x5bd1e995, numRuns: 1 });
        return { index, ...req };
      };

      let throwaway: TestUser | undefined;
      const tokenFor = async (r: FuzzRequest): Promise<string | undefined> => {
        if (r.identity === 'owner') {
          return owner.accessToken;
        }
        if (r.identity === 'anonymous') {
          return undefined;
        }
        // A fresh throwaway for each request that may end its session or account.
        throwaway = await registerUser(t);
        return throwaway.accessToken;
      };

      const send = async (r: FuzzRequest): Promise<Outcome> => {
        const token = await tokenFor(r);
        const headers = { ...r.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
        try {
          const res = await fetch(`${t.baseUrl}${r.url}`, {
            method: r.method,
            headers,
            body: r.body,
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          const text = await res.text();
          if (res.status >= 500) {
            return { request: r, status: res.status, problem: `${res.status}: ${text.slice(0, 300)}` };
          }
          if (res.status >= 400) {
            return { request: r, status: res.status, problem: envelopeProblem(res.status, text) };
          }
          return { request: r, status: res.status };
        } catch (error) {
          return { request: r, status: 0, problem: `no answer: ${(error as Error).message}` };
        }
      };

      const indices = ONLY === undefined ? Array.from({ length: RUNS }, (_, i) => i) : [ONLY];
      const outcomes: Outcome[] = [];
      let next = 0;
      const started = Date.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < indices.length) {
            const index = indices[next++];
            outcomes.push(await send(generate(index)));
            if (outcomes.length % 500 === 0) {
              process.stdout.write(
                `fuzz: ${outcomes.length} sent in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
              );
            }
          }
        }),
      );

      const byStatus = new Map<number, number>();
      for (const o of outcomes) {
        byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
      }
      const failures = outcomes.filter((o) => o.problem).sort((x, y) => x.request.index - y.request.index);
      const routes = new Set(outcomes.map((o) => o.request.op));
      const byRoute = new Map<string, Outcome[]>();
      for (const failure of failures) {
        const list = byRoute.get(failure.request.op) ?? [];
        list.push(failure);
        byRoute.set(failure.request.op, list);
      }
      /** Failures grouped by what went wrong (status, code, body mode), to tell pipeline classes from route bugs. */
      const signatures = new Map<string, Set<string>>();
      for (const failure of failures) {
        const code = /"code":"([^"]+)"/.exec(failure.problem ?? '')?.[1] ?? (failure.status >= 500 ? '' : 'no shape');
        const signature = `${failure.status} ${code} (${failure.request.mode})`;
        signatures.set(signature, (signatures.get(signature) ?? new Set()).add(failure.request.op));
      }
      const summary = [
        `fuzz summary: seed ${SEED}, ${outcomes.length} requests in ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
          `${routes.size} of ${ops.length} routes`,
        `  statuses: ${[...byStatus.entries()]
          .sort(([x], [y]) => x - y)
          .map(([status, count]) => `${status}×${count}`)
          .join(' ')}`,
        `  failures: ${failures.length} on ${byRoute.size} routes`,
        ...[...signatures.entries()].map(([signature, ops]) => `  ${signature}: ${ops.size} routes`),
        ...[...byRoute.entries()].map(
          ([route, list]) =>
            `  ${route}: ${list.length}, first ${list[0].problem}\n    replay: FUZZ_SEED=${SEED} FUZZ_ONLY=${list[0].request.index}` +
            `\n    ${describeRequest(list[0].request)}`,
        ),
      ].join('\n');
      process.stdout.write(`${summary}\n`);
      if (REPORT) {
        writeFileSync(REPORT, failures.map((f) => `${describeRequest(f.request)}\n  → ${f.problem}`).join('\n'));
      }

      expect(routes.size).toBe(ONLY === undefined ? ops.length : 1);
      expect(failures.map((f) => `${describeRequest(f.request)}\n  → ${f.problem}`).slice(0, 20)).toEqual([]);
    },
    20 * 60_000,
  );
});
