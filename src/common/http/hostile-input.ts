import { FieldError, PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';

declare global {
  // ES2024 (Node 20 has both); the project's lib is ES2023.
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

/** Deepest nesting of objects and arrays a JSON body may have (the root object is level 1). */
export const MAX_JSON_DEPTH = 64;

export const BAD_TEXT = 'must not contain NUL or unpaired surrogate characters';
const TOO_DEEP = `must not nest objects or arrays deeper than ${MAX_JSON_DEPTH} levels`;
const PROTOTYPE_KEY = 'is a forbidden prototype key';

/** True when PostgreSQL can store the text: no NUL and no lone UTF-16 surrogate. Two native scans, no regex. */
export function isStorableText(text: string): boolean {
  return !text.includes('\0') && text.isWellFormed();
}

/** The text with NUL and lone surrogates replaced by U+FFFD (for values we record rather than refuse). */
export function storableText(text: string): string {
  return isStorableText(text) ? text : text.toWellFormed().replaceAll('\0', '\uFFFD');
}

function fieldName(path: readonly (string | number)[], root: string): string {
  return path.length === 0 ? root : path.map((segment) => storableText(String(segment))).join('.');
}

function rejection(field: string, error: string): PlatformError {
  const details: FieldError[] = [{ field, errors: [error] }];
  return new PlatformError(PlatformErrorCode.ValidationFailed, `Invalid input: ${field}`, details);
}

/**
 * Walks a parsed JSON value once: refuses text (values and keys) that PostgreSQL cannot store, nesting deeper than
 * `MAX_JSON_DEPTH`, and the prototype keys Fastify's secure-json-parse refuses (`__proto__`, and `constructor` with a
 * `prototype`). Returns the error naming the field (dotted path, array indices as numbers), or undefined.
 */
export function inspectInput(value: unknown, root = 'body'): PlatformError | undefined {
  const path: (string | number)[] = [];
  const walk = (node: unknown, depth: number): PlatformError | undefined => {
    if (typeof node === 'string') {
      return isStorableText(node) ? undefined : rejection(fieldName(path, root), BAD_TEXT);
    }
    if (node === null || typeof node !== 'object') {
      return undefined;
    }
    if (depth > MAX_JSON_DEPTH) {
      return rejection(fieldName(path, root), TOO_DEEP);
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        path.push(i);
        const problem = walk(node[i], depth + 1);
        if (problem) {
          return problem;
        }
        path.pop();
      }
      return undefined;
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      path.push(key);
      const child = record[key];
      if (!isStorableText(key)) {
        return rejection(fieldName(path, root), BAD_TEXT);
      }
      if (
        key === '__proto__' ||
        (key === 'constructor' &&
          typeof child === 'object' &&
          child !== null &&
          Object.prototype.hasOwnProperty.call(child, 'prototype'))
      ) {
        return rejection(fieldName(path, root), PROTOTYPE_KEY);
      }
      const problem = walk(child, depth + 1);
      if (problem) {
        return problem;
      }
      path.pop();
    }
    return undefined;
  };
  return walk(value, 1);
}

/**
 * Fastify's `application/json` parser, replacing the default: `JSON.parse` (iterative in V8, so deep input cannot
 * overflow it) and then one `inspectInput` pass. Invalid JSON is a `BAD_REQUEST` that does not echo the body.
 */
export function parseJsonBody(body: string): unknown {
  if (body.length === 0) {
    throw new PlatformError(PlatformErrorCode.BadRequest, 'Body cannot be empty when Content-Type is application/json');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new PlatformError(PlatformErrorCode.BadRequest, 'Body is not valid JSON');
  }
  const problem = inspectInput(parsed);
  if (problem) {
    throw problem;
  }
  return parsed;
}

/** Query strings and path parameters: flat maps of strings (or string arrays for repeated keys). */
export function inspectFlat(values: unknown): PlatformError | undefined {
  if (values === null || typeof values !== 'object') {
    return undefined;
  }
  for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
    const texts = Array.isArray(value) ? (value as unknown[]) : [value];
    for (const text of texts) {
      if (typeof text === 'string' && !isStorableText(text)) {
        return rejection(storableText(key), BAD_TEXT);
      }
    }
    if (!isStorableText(key)) {
      return rejection(storableText(key), BAD_TEXT);
    }
  }
  return undefined;
}
