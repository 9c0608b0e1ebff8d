import { Injectable, Logger, OnApplicationBootstrap, SetMetadata } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { EntityManager, MikroORM, type EventSubscriber, type TransactionEventArgs } from '@mikro-orm/postgresql';

/**
 * The map of in-process domain events: name → payload. Empty here; each domain declares its own events by
 * augmenting it from its folder (`declare module 'src/common/events/domain-events' { interface DomainEvents {…} }`),
 * so the platform names no domain and a publisher or handler with a wrong payload does not compile.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DomainEvents {}

export type DomainEventName = Extract<keyof DomainEvents, string>;

/**
 * When a handler runs:
 * - `transaction`: awaited inside `publish`, with the publisher's EntityManager (the same transaction): its writes
 *   commit or roll back with the publisher's, and its failure fails the publisher;
 * - `committed` (default): once the publisher's transaction committed (at once when it published outside one);
 *   never when it rolled back; a failure is logged, not thrown (the publisher's work stands).
 */
export type DomainEventPhase = 'transaction' | 'committed';

export interface DomainEventContext {
  /** The publisher's EntityManager: inside its transaction for `transaction` handlers. */
  em: EntityManager;
  /**
   * For `transaction` handlers: runs `fn` once the publisher's transaction committed (at once when there is none),
   * e.g. telling sockets about rows the handler just changed. A failure is logged.
   */
  afterCommit: (fn: () => unknown) => void;
}

export type DomainEventHandler<E extends DomainEventName> = (
  payload: DomainEvents[E],
  context: DomainEventContext,
) => unknown;

const ON_DOMAIN_EVENT = 'switchboard:on-domain-event';

interface HandlerMetadata {
  event: DomainEventName;
  phase: DomainEventPhase;
}

/** Marks a provider method as a handler of a domain event; `DomainEventBus` finds it at boot. */
export const OnDomainEvent = <E extends DomainEventName>(
  event: E,
  options: { phase?: DomainEventPhase } = {},
): MethodDecorator => {
  const entry: HandlerMetadata = { event, phase: options.phase ?? 'committed' };
  return (target, key, descriptor) => {
    const list =
      (Reflect.getMetadata(ON_DOMAIN_EVENT, descriptor.value as object) as HandlerMetadata[] | undefined) ?? [];
    return SetMetadata(ON_DOMAIN_EVENT, [...list, entry])(target, key, descriptor);
  };
};

interface Registered {
  phase: DomainEventPhase;
  name: string;
  run: (payload: unknown, context: DomainEventContext) => unknown;
}

type Pending = () => Promise<void>;

/**
 * The in-process, typed domain event bus (after immich's event repository): handlers are provider methods marked
 * `@OnDomainEvent(name)`, discovered at boot; `publish` runs `transaction` handlers in the caller's transaction and
 * defers `committed` ones until that transaction commits (a MikroORM transaction subscriber tells it when).
 * In-process only: an event reaches the handlers of the process that published it (workers included).
 */
@Injectable()
export class DomainEventBus implements OnApplicationBootstrap, EventSubscriber {
  private readonly logger = new Logger(DomainEventBus.name);
  private readonly handlers = new Map<string, Registered[]>();
  /** `committed` handlers waiting for their root transaction (the Knex transaction object). */
  private readonly pending = new WeakMap<object, Pending[]>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly orm: MikroORM,
  ) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || wrapper.isAlias) {
        continue;
      }
      for (const method of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
        const fn = instance[method];
        if (typeof fn !== 'function') {
          continue;
        }
        const entries = this.reflector.get<HandlerMetadata[] | undefined>(ON_DOMAIN_EVENT, fn as () => unknown);
        for (const entry of entries ?? []) {
          this.register(entry.event, entry.phase, `${instance.constructor.name}.${method}`, (payload, context) =>
            (fn as (p: unknown, c: DomainEventContext) => unknown).call(instance, payload, context),
          );
        }
      }
    }
    this.orm.em.getEventManager().registerSubscriber(this);
  }

  /** Handlers registered for an event (for tests and the registry check). */
  handlersOf(event: DomainEventName): { name: string; phase: DomainEventPhase }[] {
    return (this.handlers.get(event) ?? []).map(({ name, phase }) => ({ name, phase }));
  }

  register(
    event: DomainEventName,
    phase: DomainEventPhase,
    name: string,
    run: (payload: unknown, context: DomainEventContext) => unknown,
  ): void {
    const list = this.handlers.get(event) ?? [];
    list.push({ phase, name, run });
    this.handlers.set(event, list);
  }

  /**
   * Publishes an event. Pass the EntityManager of the transaction it belongs to (`em.transactional(async (em) =>
   * bus.publish(…, em))`): `transaction` handlers share it; `committed` ones wait for its commit.
   */
  async publish<E extends DomainEventName>(event: E, payload: DomainEvents[E], em?: EntityManager): Promise<void> {
    const trx = em?.isInTransaction() ? rootTransaction(em.getTransactionContext<object>()) : undefined;
    const later: Pending[] = [];
    const guarded =
      (name: string, fn: () => unknown): Pending =>
      async () => {
        try {
          await fn();
        } catch (error) {
          this.logger.error({ err: error, event, handler: name }, 'domain event handler failed');
        }
      };
    const handlers = this.handlers.get(event) ?? [];
    for (const handler of handlers) {
      if (handler.phase === 'transaction') {
        const context: DomainEventContext = {
          em: em ?? this.orm.em.fork(),
          afterCommit: (fn) => later.push(guarded(handler.name, fn)),
        };
        await handler.run(payload, context);
      } else {
        later.push(
          guarded(handler.name, () =>
            handler.run(payload, {
              em: this.orm.em.fork(),
              afterCommit: (fn) => void guarded(handler.name, fn)(),
            }),
          ),
        );
      }
    }
    if (later.length === 0) {
      return;
    }
    if (!trx) {
      for (const run of later) {
        await run();
      }
      return;
    }
    this.pending.set(trx, [...(this.pending.get(trx) ?? []), ...later]);
  }

  /** MikroORM calls this after a root transaction committed (nested savepoints do not call it). */
  async afterTransactionCommit({ transaction }: TransactionEventArgs): Promise<void> {
    const list = transaction ? this.pending.get(transaction as object) : undefined;
    if (!list) {
      return;
    }
    this.pending.delete(transaction as object);
    for (const run of list) {
      await run();
    }
  }

  afterTransactionRollback({ transaction }: TransactionEventArgs): void {
    if (transaction) {
      this.pending.delete(transaction as object);
    }
  }
}

/**
 * The outermost transaction of a (possibly nested) MikroORM/Knex transaction context. MikroORM marks a nested one
 * with a private `parentTransaction` symbol pointing at its parent and runs commit hooks only for the root.
 */
function rootTransaction(trx: object | undefined): object | undefined {
  let current = trx;
  while (current) {
    const symbol = Object.getOwnPropertySymbols(current).find((s) => s.description === 'parentTransaction');
    const parent = symbol ? (current as Record<symbol, object | undefined>)[symbol] : undefined;
    if (!parent) {
      return current;
    }
    current = parent;
  }
  return current;
}
