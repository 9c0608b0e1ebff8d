import { createHmac } from 'node:crypto';
import type { IceServer } from './signalling.events';

export interface TurnConfig {
  urls: string[];
  secret: string | undefined;
  credentialTtlSeconds: number;
  username: string | undefined;
  password: string | undefined;
}

/**
 * The ICE servers a meeting client is given. With a shared secret (coturn `use-auth-secret` /
 * `static-auth-secret`, the "TURN REST API" scheme) the credentials are time-limited: username
 * `<expiry unix time>:<label>`, password base64(HMAC-SHA1(secret, username)). Otherwise the fixed
 * TURN_USERNAME/TURN_PASSWORD, or none (STUN needs none).
 */
export function iceServersFor(config: TurnConfig, label: string, now = Date.now()): IceServer[] {
  if (config.urls.length === 0) {
    return [];
  }
  if (config.secret) {
    const username = `${Math.floor(now / 1000) + config.credentialTtlSeconds}:${label}`;
    const credential = createHmac('sha1', config.secret).update(username).digest('base64');
    return [{ urls: config.urls, username, credential }];
  }
  if (config.username && config.password) {
    return [{ urls: config.urls, username: config.username, credential: config.password }];
  }
  return [{ urls: config.urls }];
}
