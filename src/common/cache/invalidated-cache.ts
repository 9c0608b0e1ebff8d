/**
 * A small in-process cache of answers whose source of truth is elsewhere (Redis, PostgreSQL), kept correct by an
 * invalidation channel every node listens to. It is trusted only while that channel is up (`listening`): while it
 * is down, and when it comes back (after a clear), every `get` misses. A value read before an invalidation arrived
 * never fills the cache (`generation`): read the generation, read the source, then `set` with it.
 *
 * Keys are strings; `drop('org-1:*')` drops every key starting with `org-1:`. Entries live `ttlMs` at most, and the
 * oldest go first beyond `maxEntries`.
 */
export class InvalidatedCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private current = 0;
  private up = false;

  constructor(private readonly options: { maxEntries: number; ttlMs: number }) {}

  /** Whether the invalidation channel is up (set by the owner as it connects and disconnects). */
  get listening(): boolean {
    return this.up;
  }

  set listening(up: boolean) {
    this.up = up;
    this.clear();
  }

  /** The generation to pass to `set` for a value read now. */
  get generation(): number {
    return this.current;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    if (!this.up) {
      return undefined;
    }
    const entry = this.entries.get(key);
    if (!entry) {
      return undefined;
    }
    if (entry.expiresAt < Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Keeps a value read at `generation`, unless an invalidation arrived since. */
  set(key: string, value: V, generation: number): void {
    if (!this.up || generation !== this.current) {
      return;
    }
    if (this.entries.size >= this.options.maxEntries) {
      // Oldest first: a Map iterates in insertion order.
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(key, { value, expiresAt: Date.now() + this.options.ttlMs });
  }

  /** Drops these keys (a key ending in `*` drops every key with that prefix). */
  drop(keys: readonly string[]): void {
    this.current += 1;
    for (const key of keys) {
      if (key.endsWith('*')) {
        const prefix = key.slice(0, -1);
        for (const candidate of this.entries.keys()) {
          if (candidate.startsWith(prefix)) {
            this.entries.delete(candidate);
          }
        }
      } else {
        this.entries.delete(key);
      }
    }
  }

  clear(): void {
    this.current += 1;
    this.entries.clear();
  }
}
