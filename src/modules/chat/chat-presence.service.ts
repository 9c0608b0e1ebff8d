import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from 'src/redis/redis.module';
import { TYPING_THROTTLE_MS } from './chat.events';

/** A socket's entry lives this long unless its node refreshes it (every third of it): a crashed node's sockets age out. */
const ENTRY_TTL_MS = 90_000;
const REFRESH_MS = ENTRY_TTL_MS / 3;

const key = (userId: string): string => `chat:presence:${userId}`;

/** Adds (or refreshes) one socket, drops expired ones; returns how many live sockets the user has. */
const ADD = `
local now = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
local all = redis.call('HGETALL', KEYS[1])
local live = 0
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) < now then redis.call('HDEL', KEYS[1], all[i]) else live = live + 1 end
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return live`;

/** Removes one socket; returns the live sockets left, or -1 when it was not there (nothing changes). */
const REMOVE = `
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
local now = tonumber(ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
local live = 0
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) < now then redis.call('HDEL', KEYS[1], all[i]) else live = live + 1 end
end
if removed == 0 then return -1 end
return live`;

/**
 * Who is online, counted per socket across tabs, devices and nodes: one Redis hash per user (socket id → expiry).
 * A user goes online with their first socket and offline when their last one closes; each node refreshes the
 * entries of the sockets it holds, so the sockets of a node that died expire instead of keeping users online.
 */
@Injectable()
export class ChatPresenceService implements OnModuleDestroy {
  private readonly local = new Map<string, string>(); // socket id → user id, sockets on this node
  private timer?: NodeJS.Timeout;

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** True when this socket made the user online. */
  async connected(userId: string, socketId: string): Promise<boolean> {
    this.local.set(socketId, userId);
    this.timer ??= setInterval(() => void this.refresh(), REFRESH_MS).unref();
    const live = await this.add(userId, socketId);
    return live === 1;
  }

  /** True when this was the user's last socket. */
  async disconnected(userId: string, socketId: string): Promise<boolean> {
    this.local.delete(socketId);
    const left = Number(await this.redis.eval(REMOVE, 1, key(userId), socketId, Date.now()));
    return left === 0;
  }

  async online(userIds: string[]): Promise<string[]> {
    const now = Date.now();
    const result: string[] = [];
    for (const userId of userIds) {
      const expiries = await this.redis.hvals(key(userId));
      if (expiries.some((expiry) => Number(expiry) >= now)) {
        result.push(userId);
      }
    }
    return result;
  }

  /**
   * True for the user's first `typing` in a conversation within TYPING_THROTTLE_MS (across nodes), which is relayed;
   * later ones in the window are not.
   */
  async firstTyping(userId: string, conversationId: string): Promise<boolean> {
    const set = await this.redis.set(`chat:typing:${userId}:${conversationId}`, '1', 'PX', TYPING_THROTTLE_MS, 'NX');
    return set === 'OK';
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async add(userId: string, socketId: string): Promise<number> {
    const now = Date.now();
    return Number(await this.redis.eval(ADD, 1, key(userId), socketId, now, now + ENTRY_TTL_MS, ENTRY_TTL_MS));
  }

  private async refresh(): Promise<void> {
    for (const [socketId, userId] of this.local) {
      await this.add(userId, socketId).catch(() => undefined);
    }
  }
}
