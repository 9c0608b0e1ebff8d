import { createHmac } from 'node:crypto';
import { iceServersFor, TurnConfig } from './ice-servers';

const base: TurnConfig = {
  urls: ['turn:turn.example.com:3478', 'turns:turn.example.com:5349'],
  secret: undefined,
  credentialTtlSeconds: 3600,
  username: undefined,
  password: undefined,
};

describe('iceServersFor', () => {
  it('gives none without URLs', () => {
    expect(iceServersFor({ ...base, urls: [], secret: 's' }, 'peer')).toEqual([]);
  });

  it('derives time-limited credentials from the shared secret (TURN REST API scheme)', () => {
    const now = Date.UTC(2026, 10, 30, 12, 0, 0);
    const [server] = iceServersFor({ ...base, secret: 'north-wind' }, 'peer-1', now);
    const expiry = now / 1000 + 3600;
    expect(server.username).toBe(`${expiry}:peer-1`);
    expect(server.credential).toBe(createHmac('sha1', 'north-wind').update(`${expiry}:peer-1`).digest('base64'));
    expect(server.urls).toEqual(base.urls);
  });

  it('passes fixed credentials, or none for STUN only', () => {
    expect(iceServersFor({ ...base, username: 'u', password: 'p' }, 'x')).toEqual([
      { urls: base.urls, username: 'u', credential: 'p' },
    ]);
    expect(iceServersFor({ ...base, urls: ['stun:stun.example.com'] }, 'x')).toEqual([
      { urls: ['stun:stun.example.com'] },
    ]);
  });
});
