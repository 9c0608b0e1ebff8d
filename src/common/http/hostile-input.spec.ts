import { PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';
import { inspectFlat, inspectInput, MAX_JSON_DEPTH, parseJsonBody, storableText } from './hostile-input';

const fieldsOf = (error: { details?: unknown } | undefined): unknown =>
  (error?.details as { field: string }[] | undefined)?.map((d) => d.field);

describe('hostile input', () => {
  describe(inspectInput.name, () => {
    it('should accept ordinary JSON, emoji (surrogate pairs) included', () => {
      expect(inspectInput({ a: ['x', { b: 'y 😀' }], n: 1, z: null })).toBeUndefined();
    });

    it('should name the field holding a NUL or a lone surrogate, in values and keys', () => {
      expect(fieldsOf(inspectInput({ a: [{ b: 'x\0' }] }))).toEqual(['a.0.b']);
      expect(fieldsOf(inspectInput({ a: '\ud800' }))).toEqual(['a']);
      expect(fieldsOf(inspectInput({ a: { 'k\udc00': 1 } }))).toEqual(['a.k\ufffd']);
      expect(fieldsOf(inspectInput('\0'))).toEqual(['body']);
    });

    it('should refuse nesting deeper than the limit, and accept it at the limit', () => {
      const nest = (levels: number): unknown => JSON.parse('['.repeat(levels) + ']'.repeat(levels));
      expect(inspectInput(nest(MAX_JSON_DEPTH))).toBeUndefined();
      expect(inspectInput(nest(MAX_JSON_DEPTH + 1))?.code).toBe(PlatformErrorCode.ValidationFailed);
    });

    it('should refuse __proto__ and a constructor with a prototype, not a constructor string', () => {
      expect(fieldsOf(inspectInput(JSON.parse('{"a":{"__proto__":{}}}')))).toEqual(['a.__proto__']);
      expect(fieldsOf(inspectInput(JSON.parse('{"constructor":{"prototype":{}}}')))).toEqual(['constructor']);
      expect(inspectInput(JSON.parse('{"constructor":"x"}'))).toBeUndefined();
    });
  });

  describe(parseJsonBody.name, () => {
    it('should parse 10,000-deep input without overflowing and refuse it', () => {
      expect(() => parseJsonBody('['.repeat(10_000) + ']'.repeat(10_000))).toThrow(/Invalid input/);
    });

    it('should answer BAD_REQUEST for invalid or empty JSON without echoing it', () => {
      const codeOf = (body: string): unknown => {
        try {
          parseJsonBody(body);
        } catch (error) {
          return [(error as PlatformError).code, (error as Error).message.includes('secret')];
        }
        return undefined;
      };
      expect(codeOf('{"a": secret')).toEqual([PlatformErrorCode.BadRequest, false]);
      expect(codeOf('')).toEqual([PlatformErrorCode.BadRequest, false]);
    });
  });

  describe(inspectFlat.name, () => {
    it('should name the query or path parameter, repeated keys included', () => {
      expect(fieldsOf(inspectFlat({ q: 'ok', tag: ['a', 'b\0'] }))).toEqual(['tag']);
      expect(inspectFlat({ q: 'ok' })).toBeUndefined();
    });
  });

  describe(storableText.name, () => {
    it('should replace NUL and lone surrogates, keeping pairs', () => {
      expect(storableText('a\0b\ud800c😀')).toBe('a\ufffdb\ufffdc😀');
    });
  });
});
