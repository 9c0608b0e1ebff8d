import type { QueueDefinition } from 'src/queue/queue.types';

/** A user's own account chores: data-export archives, deletion after the grace period, expiry housekeeping. */
export const ACCOUNT_QUEUE = 'account';

export enum AccountJob {
  BuildDataExport = 'account.build-export',
  DeleteAccount = 'account.delete',
  AccountHousekeeping = 'account.housekeeping',
}

declare module 'src/queue/queue.types' {
  interface JobPayloads {
    [AccountJob.BuildDataExport]: { exportId: string; requestId?: string };
    /** Runs when the grace period ends; does nothing if the deletion was cancelled (or postponed) meanwhile. */
    [AccountJob.DeleteAccount]: { userId: string; requestId?: string };
    [AccountJob.AccountHousekeeping]: Record<string, never>;
  }
}

export const ACCOUNT_QUEUE_DEFINITION: QueueDefinition = {
  name: ACCOUNT_QUEUE,
  description:
    "A user's own account chores: data-export archives, deletion after the grace period, expiry housekeeping.",
  jobs: {
    [AccountJob.BuildDataExport]: 'Builds a data-export archive',
    [AccountJob.DeleteAccount]: 'Deletes an account when its grace period ends',
    [AccountJob.AccountHousekeeping]: 'Removes expired exports and other expired account data',
  },
};
