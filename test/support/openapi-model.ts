import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A JSON Schema node of the committed OpenAPI document (loosely typed: the document is data). */
export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  nullable?: boolean;
  readOnly?: boolean;
  example?: unknown;
  pattern?: string;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

/** One operation of the document, with the markers the security checks read. */
export interface Operation {
  method: string;
  /** The path template as in the document, e.g. `/api/v1/chat/conversations/{id}`. */
  path: string;
  operationId: string;
  parameters: Parameter[];
  pathParams: string[];
  /** `x-permission`: the route acts in the organization of `X-Organization-Id` and needs this permission there. */
  permission?: string;
  /** `x-roles`: system roles the route requires (e.g. `admin`). */
  roles?: string[];
  /** The route takes a bearer token (else it is public). */
  authenticated: boolean;
  /** The request body's media type and schema, when the route takes one. */
  body?: { contentType: string; schema: Schema; required: boolean };
}

interface Document {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: Record<string, Schema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export const OPENAPI: Document = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8'));

/** Resolves `$ref` and single-element `allOf` wrappers (how @nestjs/swagger marks enum references). */
export function resolve(schema: Schema | undefined): Schema {
  let current: Schema = schema ?? {};
  for (let depth = 0; depth < 20; depth++) {
    if (current.$ref) {
      const name = current.$ref.replace('#/components/schemas/', '');
      const { $ref: _ref, ...rest } = current;
      current = { ...OPENAPI.components.schemas[name], ...rest };
    } else if (current.allOf?.length === 1) {
      const { allOf, ...rest } = current;
      current = { ...resolve(allOf[0]), ...rest };
    } else {
      return current;
    }
  }
  return current;
}

/** Every operation of the committed document. */
export function operations(): Operation[] {
  const result: Operation[] = [];
  for (const [path, item] of Object.entries(OPENAPI.paths)) {
    for (const method of METHODS) {
      const op = item[method] as Record<string, any> | undefined;
      if (!op) {
        continue;
      }
      const parameters = (op.parameters ?? []) as Parameter[];
      const content = op.requestBody?.content as Record<string, { schema: Schema }> | undefined;
      const contentType = content ? Object.keys(content)[0] : undefined;
      result.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId as string,
        parameters,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        permission: op['x-permission'] as string | undefined,
        roles: op['x-roles'] as string[] | undefined,
        authenticated: Array.isArray(op.security) && op.security.length > 0,
        body:
          content && contentType
            ? { contentType, schema: content[contentType].schema, required: Boolean(op.requestBody.required) }
            : undefined,
      });
    }
  }
  return result;
}

/** `/a/{id}/b` with the given values, each URI-encoded. */
export function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    if (!(name in values)) {
      throw new Error(`no value for {${name}} in ${template}`);
    }
    return encodeURIComponent(values[name]);
  });
}

/** Property names whose values may make the server connect somewhere: kept on loopback (local traffic only). */
export const LOOPBACK_URL = 'http://127.0.0.1:9/hook';
export const LOOPBACK_HOST = '127.0.0.1';

/**
 * A small valid value for `schema`: required properties only, the first enum value, minimums. Host and URL fields
 * point at loopback; email fields at example.com (mail leaves through the outbox file, never the network).
 */
export function sampleOf(schema: Schema | undefined, name = ''): unknown {
  const s = resolve(schema);
  if (s.enum?.length) {
    return s.enum[0];
  }
  if (s.oneOf?.length || s.anyOf?.length) {
    return sampleOf((s.oneOf ?? s.anyOf)![0], name);
  }
  const type = s.type ?? (s.properties ? 'object' : undefined);
  switch (type) {
    case 'string':
      return sampleString(s, name);
    case 'integer':
    case 'number':
      return Math.max(s.minimum ?? 1, Math.min(s.maximum ?? 1, 1));
    case 'boolean':
      return false;
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sampleOf(s.items, name));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? []) {
        out[key] = sampleOf(s.properties?.[key], key);
      }
      return out;
    }
    default:
      return 'x';
  }
}

function sampleString(s: Schema, name: string): string {
  if (/host/i.test(name)) {
    return LOOPBACK_HOST;
  }
  if (/url|uri/i.test(name) || s.format === 'uri') {
    return LOOPBACK_URL;
  }
  if (/email/i.test(name) || s.format === 'email') {
    return `sample-${randomUUID().slice(0, 8)}@example.com`;
  }
  switch (s.format) {
    case 'uuid':
      return randomUUID();
    case 'date-time':
      return new Date(Date.now() + 86_400_000).toISOString();
    case 'date':
      return new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    default:
      return 'x'.repeat(Math.max(s.minLength ?? 1, 1));
  }
}
