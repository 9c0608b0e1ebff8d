import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Client } from 'pg';
import { InvalidatedCache } from 'src/common/cache/invalidated-cache';
import type { MemberStanding } from './organizations.service';

/** The channel the `memberships` and `organizations` triggers notify (migration `…_org_standing_notify`). */
export const STANDING_CHANNEL = 'org_standing';
const MAX_ENTRIES = 10_000;
const TTL_MS = 60_000;
const RECONNECT_MS = 1_000;

/**
 * Members' standing in organizations (role, plan, IP allowlist) as the organization guard last read it on this
 * node, so that a request to an organization's routes does not wait for PostgreSQL each time. PostgreSQL itself
 * says when to forget: triggers on `memberships` and `organizations` `pg_notify` the changed (organization, user) —
 * or the whole organization — and every node `LISTEN`s on one connection of its own. A notification is sent when
 * the change commits, whatever made it (a service, a cascade, a migration, a script), so a removed member loses
 * access on every node at once. While that connection is down (and after it comes back, with a clear) every check
 * reads PostgreSQL; a read that raced with a notification does not fill the cache.
 */
@Injectable()
export class StandingCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(StandingCache.name);
  private readonly cache = new InvalidatedCache<MemberStanding>({ maxEntries: MAX_ENTRIES, ttlMs: TTL_MS });
  private client?: Client;
  private reconnect?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly em: EntityManager) {}

  async onModuleInit(): Promise<void> {
    await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnect);
    this.cache.listening = false;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** The generation to pass to `set` for a standing read now. */
  get generation(): number {
    return this.cache.generation;
  }

  get(organizationId: string, userId: string): MemberStanding | undefined {
    return this.cache.get(`${organizationId}:${userId}`);
  }

  set(organizationId: string, userId: string, standing: MemberStanding, generation: number): void {
    this.cache.set(`${organizationId}:${userId}`, standing, generation);
  }

  private async listen(): Promise<void> {
    try {
      // A connection of its own, outside the pool (a LISTEN lasts as long as its connection).
      const knexClient = this.em.getConnection().getKnex().client as { acquireRawConnection(): Promise<Client> };
      const client = await knexClient.acquireRawConnection();
      this.client = client;
      const lost = (): void => {
        if (this.client !== client) {
          return;
        }
        this.client = undefined;
        this.cache.listening = false;
        client.end().catch(() => undefined);
        this.retry();
      };
      client.on('error', (error: Error) => {
        this.logger.warn({ err: error.message }, 'standing invalidation connection lost');
        lost();
      });
      client.on('end', lost);
      // `organization:user` for one member, `organization:*` for everyone in an organization.
      client.on('notification', ({ payload }) => payload && this.cache.drop([payload]));
      await client.query(`listen ${STANDING_CHANNEL}`);
      this.cache.listening = true;
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'standing invalidation channel unavailable');
      this.retry();
    }
  }

  private retry(): void {
    if (!this.stopped) {
      this.reconnect = setTimeout(() => void this.listen(), RECONNECT_MS);
      this.reconnect.unref();
    }
  }
}
