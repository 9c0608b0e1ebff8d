import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Key fingerprint: the first 8 hex digits of SHA-256(key); names the key in a sealed value, reveals nothing of it. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * AES-256-GCM for secrets stored in the database (TOTP seeds, webhook secrets, mail passwords), base64url parts:
 * `v2.<key id>.<iv>.<tag>.<ciphertext>`. Rotation: seal under the current key, open under any of the current and
 * previous keys (found by key id; `v1.<iv>.<tag>.<ciphertext>` values from before key ids are tried under each), and
 * re-seal what {@link needsReseal} reports (`npm run secrets:reseal`) before dropping a previous key.
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  constructor(
    private readonly key: Buffer,
    previous: Buffer[] = [],
  ) {
    for (const k of [key, ...previous]) {
      if (k.length !== 32) {
        throw new Error('SecretBox needs 32-byte keys');
      }
      this.keys.set(keyId(k), k);
    }
    this.currentKeyId = keyId(key);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v2', this.currentKeyId, ...[iv, cipher.getAuthTag(), data].map((p) => p.toString('base64url'))].join('.');
  }

  open(sealed: string): string {
    const parts = sealed.split('.');
    if (parts[0] === 'v2' && parts.length === 5) {
      const key = this.keys.get(parts[1]);
      if (!key) {
        throw new Error(`sealed under key ${parts[1]}, which is neither ENCRYPTION_KEY nor a previous key`);
      }
      return decrypt(key, parts[2], parts[3], parts[4]);
    }
    if (parts[0] === 'v1' && parts.length === 4) {
      for (const key of this.keys.values()) {
        try {
          return decrypt(key, parts[1], parts[2], parts[3]);
        } catch {
          // The GCM tag did not verify under this key: try the next.
        }
      }
      throw new Error('no configured key opens this secret');
    }
    throw new Error('not a sealed secret');
  }

  /** True when `sealed` is not under the current key (or predates key ids): re-seal it before retiring old keys. */
  needsReseal(sealed: string): boolean {
    const parts = sealed.split('.');
    return !(parts[0] === 'v2' && parts[1] === this.currentKeyId);
  }
}

function decrypt(key: Buffer, iv: string, tag: string, data: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}

/** SHA-256 of a high-entropy token (refresh, reset, API key): fast to look up, useless if the table leaks. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A random URL-safe token of `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
