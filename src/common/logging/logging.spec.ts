import { Writable } from 'node:stream';
import pino from 'pino';
import Fastify from 'fastify';
import { pinoOptions, redactUrl, registerRequestLog, requestIdFrom } from './logging';

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

  describe(registerRequestLog.name, () => {
    it('should write one line per request, with its id and status, the URL masked and no header', async () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(...chunk.toString().trim().split('\n'));
          done();
        },
      });
      const fastify = Fastify({ genReqId: () => 'req-1' });
      registerRequestLog(fastify, pino(pinoOptions('info', false), sink));
      fastify.get('/verify', () => ({ ok: true }));
      fastify.get('/health/live', () => ({ ok: true }));
      await fastify.inject({
        url: '/verify?token=s3cret&next=x',
        headers: { authorization: 'Bearer eyJsecret', 'user-agent': 'jest' },
      });
      await fastify.inject({ url: '/health/live' });
      await fastify.inject({ url: '/missing' });
      await fastify.close();

      const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(parsed).toHaveLength(2); // a successful liveness probe is not logged
      expect(parsed[0]).toMatchObject({
        level: 30,
        service: 'switchboard',
        requestId: 'req-1',
        msg: 'request completed',
        req: { method: 'GET', url: '/verify?token=[REDACTED]&next=x', userAgent: 'jest', remoteAddress: '127.0.0.1' },
        res: { statusCode: 200 },
      });
      expect(parsed[1]).toMatchObject({ level: 40, res: { statusCode: 404 } });
      expect(lines.join('')).not.toContain('s3cret');
      expect(lines.join('')).not.toContain('eyJsecret');
    });
  });
});
