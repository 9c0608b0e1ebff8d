import { Writable } from 'node:stream';
import pino from 'pino';
import { pinoOptions, redactUrl, requestIdFrom } from './logging';

describe('logging', () => {
  describe(redactUrl.name, () => {
    it('should mask secret query parameters', () => {
      expect(redactUrl('/api/v1/auth/verify?token=abc123&next=/x')).toBe(
        '/api/v1/auth/verify?token=[REDACTED]&next=/x',
      );
      expect(redactUrl('/cb?code=xyz&state=1&api_key=k')).toBe('/cb?code=[REDACTED]&state=1&api_key=[REDACTED]');
      expect(redactUrl('/plain/path')).toBe('/plain/path');
    });
  });

  describe(requestIdFrom.name, () => {
    it('should keep a well-formed id and replace anything else', () => {
      expect(requestIdFrom('abc-123')).toBe('abc-123');
      expect(requestIdFrom('has space')).toMatch(/^[0-9a-f-]{36}$/);
      expect(requestIdFrom('x'.repeat(129))).toMatch(/^[0-9a-f-]{36}$/);
      expect(requestIdFrom(undefined)).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe(pinoOptions.name, () => {
    it('should never write credentials or secrets', () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      const sut = pino(pinoOptions('info', false), sink);
      sut.info(
        {
          req: { headers: { authorization: 'Bearer eyJsecret', cookie: 'sid=s3cret', 'x-api-key': 'sk_live_1' } },
          body: { password: 'hunter2', refreshToken: 'r-token', email: 'a@b.co' },
          account: { secret: 'totp-seed', token: 'tok' },
        },
        'login attempt',
      );
      const output = lines.join('');
      for (const secret of ['eyJsecret', 's3cret', 'sk_live_1', 'hunter2', 'r-token', 'totp-seed', '"tok"']) {
        expect(output).not.toContain(secret);
      }
      expect(output).toContain('a@b.co');
      expect(output).toContain('[REDACTED]');
    });
  });
});
