/**
 * Domain events of account deletion (see `src/common/events/domain-events.ts`). Every domain that keeps data of a
 * user handles them; the settings domain names none of them.
 */
import type { ExportSection } from 'src/common/domain/personal-data';

declare module 'src/common/events/domain-events' {
  interface DomainEvents {
    /**
     * The data export of a user is being built: each domain that keeps data of users `add`s its sections (those
     * its definition declares in `personalData.exportSections`), in a `transaction` handler that only registers them.
     */
    'account.export': { userId: string; email: string | null; add: (section: ExportSection) => void };
    /**
     * Inside the transaction that deletes the user row: each domain removes or anonymises what it keeps of the user
     * (`transaction` handlers; rows that reference the user with `on delete cascade` go by themselves).
     */
    'account.deleting': { userId: string; email: string | null };
    /** The account is gone (after commit): caches and trails outside the transaction are cleared. */
    'account.deleted': { userId: string };
  }
}
