/**
 * Domain events of organizations (see `src/common/events/domain-events.ts`). Published inside the transaction that
 * made the change, so `transaction` handlers (other domains' clean-up of per-member data) commit with it.
 */
declare module 'src/common/events/domain-events' {
  interface DomainEvents {
    /** A member left or was removed: every domain drops what the member had in this organization. */
    'organization.member.removed': { organizationId: string; userId: string };
  }
}

export {};
