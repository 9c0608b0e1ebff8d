import { isPrivateAddress } from 'src/common/net/address-policy';
import { sendWebhook } from './webhook-sender';

describe('webhook targets', () => {
  it('classifies loopback, private, link-local and mapped addresses as private', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
    ]) {
      expect([address, isPrivateAddress(address)]).toEqual([address, true]);
    }
    for (const address of ['93.184.216.34', '2606:2800:220:1::248', 'example.com']) {
      expect([address, isPrivateAddress(address)]).toEqual([address, false]);
    }
  });

  it('refuses private targets, by literal address or by what a name resolves to, before sending', async () => {
    const options = { timeoutMs: 1000, allowPrivateTargets: false };
    const literal = await sendWebhook('http://169.254.169.254/latest', {}, '{}', options);
    expect([literal.succeeded, literal.error]).toEqual([false, '169.254.169.254 is a private address']);
    const named = await sendWebhook('http://localhost:9/hook', {}, '{}', options);
    expect([named.succeeded, named.error]).toEqual([false, 'localhost resolves only to private addresses']);
  });

  it('never sends to metadata or link-local addresses, even with WEBHOOK_ALLOW_PRIVATE_TARGETS', async () => {
    const options = { timeoutMs: 1000, allowPrivateTargets: true };
    for (const url of ['http://169.254.169.254/latest', 'http://[fd00:ec2::254]/', 'http://169.254.10.1/']) {
      const result = await sendWebhook(url, {}, '{}', options);
      expect([url, result.succeeded, result.latencyMs]).toEqual([url, false, 0]);
    }
  });
});
