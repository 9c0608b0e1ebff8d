import { createCipheriv, randomBytes } from 'node:crypto';
import { keyId, SecretBox } from './secret-box';

/** A value as sealed before key ids existed: `v1.<iv>.<tag>.<ciphertext>`. */
function sealV1(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', ...[iv, cipher.getAuthTag(), data].map((p) => p.toString('base64url'))].join('.');
}

describe('SecretBox key rotation', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('seals under the current key, named by its id, and opens its own values', () => {
    const box = new SecretBox(newKey);
    const sealed = box.seal('imap-password');
    expect(sealed.startsWith(`v2.${keyId(newKey)}.`)).toBe(true);
    expect(box.open(sealed)).toBe('imap-password');
    expect(box.needsReseal(sealed)).toBe(false);
    expect(box.seal('imap-password')).not.toBe(sealed); // fresh IV each time
  });

  it('opens values sealed under a previous key (v2 by id, v1 by trying each key) and reports them for re-sealing', () => {
    const before = new SecretBox(oldKey).seal('totp-seed');
    const legacy = sealV1(oldKey, 'webhook-secret');
    const rotated = new SecretBox(newKey, [oldKey]);
    expect(rotated.open(before)).toBe('totp-seed');
    expect(rotated.open(legacy)).toBe('webhook-secret');
    expect(rotated.needsReseal(before)).toBe(true);
    expect(rotated.needsReseal(legacy)).toBe(true);
    expect(rotated.needsReseal(rotated.seal('x'))).toBe(false);
  });

  it('refuses values whose key is gone, and tampered values', () => {
    const before = new SecretBox(oldKey).seal('secret');
    expect(() => new SecretBox(newKey).open(before)).toThrow(/neither ENCRYPTION_KEY nor a previous key/);
    expect(() => new SecretBox(newKey).open(sealV1(oldKey, 'secret'))).toThrow(/no configured key/);
    const parts = new SecretBox(newKey).seal('secret').split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => new SecretBox(newKey).open(parts.join('.'))).toThrow();
    expect(() => new SecretBox(newKey).open('plain text')).toThrow(/not a sealed secret/);
    expect(() => new SecretBox(Buffer.alloc(16))).toThrow(/32-byte/);
  });
});
