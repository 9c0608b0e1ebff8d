import { RequestContext, type EntityManager } from '@mikro-orm/core';

/**
 * The forks of a request context, made on first use. MikroORM's `RequestContext.create` forks the entity manager
 * (a unit of work, an identity map, a factory) before the handler runs: about 30 µs of CPU on every request
 * (bench:api), also on the many that only read plain rows or answer from a cache. MikroORM asks the context's map
 * for the fork of an entity manager by name (`RequestContext.getEntityManager`), so the fork is made there.
 */
class LazyForks extends Map<string, EntityManager> {
  /** True while the fork is being made: MikroORM resolves the current context in there, and must find none. */
  private forking = false;

  constructor(private readonly root: EntityManager) {
    super();
  }

  override get(name: string): EntityManager | undefined {
    let em = super.get(name);
    if (!em && name === this.root.name && !this.forking) {
      this.forking = true;
      try {
        em = this.root.fork({ useContext: true });
      } finally {
        this.forking = false;
      }
      this.set(name, em);
    }
    return em;
  }

  override has(name: string): boolean {
    return (name === this.root.name && !this.forking) || super.has(name);
  }
}

/** The context MikroORM's `RequestContext.create` would enter, with the fork made on first use. */
const lazyContext = (em: EntityManager): RequestContext => new RequestContext(new LazyForks(em));

/** Runs `next` inside a new request context of `em` (see LazyForks). */
export function runInRequestContext<T>(em: EntityManager, next: () => T): T {
  // RequestContext.create(em, next) is `storage.run(createContext(em), next)`; both are private in its typings.
  const storage = (RequestContext as unknown as { storage: { run<R>(store: RequestContext, fn: () => R): R } }).storage;
  return storage.run(lazyContext(em), next);
}
