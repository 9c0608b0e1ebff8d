/**
 * Domain events of account deletion (see `src/common/events/domain-events.ts`). Every domain that keeps data of a
 * user handles them; the settings domain names none of them.
 */
declare module 'src/common/events/domain-events' {
  interface DomainEvents {
    /**
     * Inside the transaction that deletes the user row: each domain removes or anonymises what it keeps of the user
     * (`transaction` handlers; rows that reference the user with `on delete cascade` go by themselves).
     */
    'account.deleting': { userId: string };
    /** The account is gone (after commit): caches and trails outside the transaction are cleared. */
    'account.deleted': { userId: string };
  }
}

export {};
