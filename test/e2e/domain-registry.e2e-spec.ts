import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { MetadataStorage } from '@mikro-orm/core';
import * as ts from 'typescript';
import { AppError } from 'src/common/errors/app-error';
import { DOMAINS, ENTITIES, PERMISSIONS, QUEUES, WEBHOOK_EVENTS } from 'src/domains';
import { ORG_PERMISSION } from 'src/modules/organizations/organization.decorators';
import type { QueueDefinition } from 'src/queue/queue.types';

/**
 * Every part a domain declares in its folder must be registered through its definition (`<name>.domain.ts`, listed
 * in `src/domains.ts`): otherwise an entity has no table, an error answers 500, a job is never run, a permission is
 * granted to nobody. This test loads every file of `src/modules` of each kind and fails naming what is left out.
 */
const MODULES = join(__dirname, '..', '..', 'src', 'modules');

function filesEndingWith(suffix: string, dir = MODULES): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      return filesEndingWith(suffix, path);
    }
    return name.endsWith(suffix) ? [path] : [];
  });
}

/** A source file's exports (loaded as jest loads any module, so decorators run and register metadata). */
function load(file: string): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as Record<string, unknown>;
}

/** Every export of every file ending with `suffix`, with the file it came from. */
function exportsOf(suffix: string): { file: string; name: string; value: unknown }[] {
  return filesEndingWith(suffix).flatMap((file) =>
    Object.entries(load(file)).map(([name, value]) => ({
      file: relative(MODULES, file),
      name,
      value,
    })),
  );
}

/** A TypeScript string enum, as compiled: an object of string values. */
function enumValues(value: unknown): string[] {
  return value && typeof value === 'object'
    ? Object.values(value).filter((v): v is string => typeof v === 'string')
    : [];
}

/**
 * The webhook event types a `<domain>.webhooks.ts` declares: the members of its
 * `declare module 'src/modules/webhooks/webhook-events' { interface WebhookEventData { … } }` (types vanish when
 * compiled, so the source is parsed).
 */
function declaredWebhookEvents(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  return source.statements
    .filter(ts.isModuleDeclaration)
    .filter((m) => ts.isStringLiteral(m.name) && m.name.text === 'src/modules/webhooks/webhook-events')
    .flatMap((m) => (m.body && ts.isModuleBlock(m.body) ? [...m.body.statements] : []))
    .filter(ts.isInterfaceDeclaration)
    .filter((i) => i.name.text === 'WebhookEventData')
    .flatMap((i) =>
      i.members.map((member) => (member.name && ts.isStringLiteral(member.name) ? member.name.text : '?')),
    );
}

describe('domain registry: every part of a domain is registered', () => {
  it('lists each domain once, named after its folder', () => {
    const names = DOMAINS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    const folders = readdirSync(MODULES).filter((name) => statSync(join(MODULES, name)).isDirectory());
    expect([...names].sort()).toEqual([...folders].sort());
  });

  it('registers every entity of src/modules with the ORM', () => {
    filesEndingWith('.entity.ts').forEach(load);
    const registered = new Set<unknown>(ENTITIES);
    const decorated = Object.values(MetadataStorage.getMetadata())
      .filter((meta) => !meta.abstract && !meta.embeddable && meta.class)
      .filter((meta) => (meta.path ?? '').includes(`${join('src', 'modules')}`))
      .map((meta) => meta.className);
    expect(decorated.length).toBeGreaterThanOrEqual(ENTITIES.length);
    const missing = decorated.filter((name) => ![...registered].some((e) => (e as { name: string }).name === name));
    expect(missing).toEqual([]);
  });

  it('gives every error class its own status table and every error code a status', () => {
    const registered = new Set(DOMAINS.flatMap((d) => d.errors ?? []));
    const exported = exportsOf('.errors.ts');
    const classes = exported.filter(
      (e) => typeof e.value === 'function' && (e.value as { prototype: unknown }).prototype instanceof AppError,
    );
    expect(classes.length).toBeGreaterThan(5);
    const unregistered = classes.filter((c) => !registered.has(c.value as never)).map((c) => `${c.file}: ${c.name}`);
    expect(unregistered).toEqual([]);
    const withoutTable = classes
      .filter((c) => !Object.prototype.hasOwnProperty.call(c.value, 'statuses'))
      .map((c) => `${c.file}: ${c.name}`);
    expect(withoutTable).toEqual([]);

    const statuses = Object.assign({}, ...[...registered].map((c) => c.statuses)) as Record<string, number>;
    const codes = exported.filter((e) => e.name.endsWith('ErrorCode')).flatMap((e) => enumValues(e.value));
    expect(codes.length).toBeGreaterThan(20);
    expect(codes.filter((code) => !(code in statuses))).toEqual([]);
  });

  it('registers every queue and job a domain declares', () => {
    const exported = exportsOf('.jobs.ts');
    const definitions = exported
      .filter((e) => e.name.endsWith('_QUEUE_DEFINITION'))
      .map((e) => e.value as QueueDefinition);
    expect(definitions.length).toBeGreaterThan(3);
    expect(definitions.filter((d) => !QUEUES.includes(d)).map((d) => d.name)).toEqual([]);
    const jobs = new Set(QUEUES.flatMap((q) => Object.keys(q.jobs)));
    const declared = exported.filter((e) => /Job$/.test(e.name)).flatMap((e) => enumValues(e.value));
    expect(declared.length).toBeGreaterThan(5);
    expect(declared.filter((job) => !jobs.has(job))).toEqual([]);
    // A job runs on the queue its name starts with.
    for (const queue of QUEUES) {
      expect(Object.keys(queue.jobs).filter((job) => !job.startsWith(`${queue.name}.`))).toEqual([]);
    }
  });

  it('registers every permission a domain declares or a route requires', () => {
    const declared = [...exportsOf('.domain.ts'), ...exportsOf('.permissions.ts')]
      .filter((e) => /Permission$/.test(e.name))
      .flatMap((e) => enumValues(e.value));
    expect(declared.length).toBeGreaterThan(5);
    expect(declared.filter((p) => !(p in PERMISSIONS))).toEqual([]);

    const required = exportsOf('.controller.ts')
      .filter((e) => typeof e.value === 'function')
      .flatMap((e) => {
        const controller = e.value as { prototype: Record<string, unknown> };
        const targets = [
          controller,
          ...Object.getOwnPropertyNames(controller.prototype).map((key) => controller.prototype[key]),
        ];
        return targets.flatMap((target) => {
          const permission = target ? (Reflect.getMetadata(ORG_PERMISSION, target) as unknown) : undefined;
          return typeof permission === 'string' ? [`${e.file}: ${permission}`] : [];
        });
      });
    expect(required.length).toBeGreaterThan(10);
    expect(required.filter((entry) => !(entry.split(': ')[1] in PERMISSIONS))).toEqual([]);
  });

  it('declares and describes every webhook event type in the folder of the domain that emits it', () => {
    // A domain declares the `data` of its webhook events on `WebhookEventData` in `<name>.webhooks.ts` and describes
    // them in `<name>.domain.ts` (`webhookEvents`). That every declared type is described and every description
    // declared is checked when src/domains.ts compiles; this checks that each domain keeps both halves of its own.
    // `webhook.test` is the webhooks domain's own (`webhook-events.ts`), sent only by the endpoint test route.
    const files = filesEndingWith('.webhooks.ts');
    expect(files.length).toBeGreaterThanOrEqual(4);
    const folderOf = (file: string): string => relative(MODULES, file).split(sep)[0];
    expect(files.map(folderOf).filter((folder) => !DOMAINS.some((d) => d.name === folder))).toEqual([]);
    for (const domain of DOMAINS) {
      const declared = files.filter((file) => folderOf(file) === domain.name).flatMap(declaredWebhookEvents);
      const described = Object.keys(domain.webhookEvents ?? {});
      expect({ domain: domain.name, declared: [...declared].sort() }).toEqual({
        domain: domain.name,
        declared: [...described].sort(),
      });
    }
    expect(Object.keys(WEBHOOK_EVENTS).length).toBeGreaterThan(20);
  });
});
