import { createHmac } from 'node:crypto';
import { newWebhookSecret, signWebhook, verifyWebhook, webhookHeaders } from './webhook-signature';

describe('Standard Webhooks signature', () => {
  // The example of the Standard Webhooks specification's reference libraries.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';

  it('matches the specification example', () => {
    expect(signWebhook(secret, id, timestamp, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies its own headers and refuses tampering and stale timestamps', () => {
    const fresh = newWebhookSecret();
    const now = new Date();
    const headers = webhookHeaders(fresh, id, body, now);
    expect(verifyWebhook(fresh, headers, body, 300, now)).toBe(true);
    expect(verifyWebhook(fresh, headers, `${body} `, 300, now)).toBe(false);
    expect(verifyWebhook(newWebhookSecret(), headers, body, 300, now)).toBe(false);
    expect(verifyWebhook(fresh, headers, body, 300, new Date(now.getTime() + 10 * 60_000))).toBe(false);
  });

  it('uses the base64-decoded secret as the HMAC key', () => {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
    expect(signWebhook(secret, id, timestamp, body)).toBe(`v1,${expected}`);
  });
});
