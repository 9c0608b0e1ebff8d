import { CallDirection } from './call.entity';

/** How far ahead a call may be scheduled. */
export const MAX_SCHEDULE_MS = 366 * 24 * 3600_000;

/** What the call rules look at: a create, schedule or bulk item as the DTO validated it. */
export interface CallRuleInput {
  direction: CallDirection;
  participantIds?: string[];
  phoneNumber?: string;
  meetingId?: string;
  video?: boolean;
  scheduledAt?: Date;
}

/** One broken rule: the item's field and why. */
export interface CallRuleProblem {
  field: string;
  message: string;
}

/**
 * The participants besides the creator (deduplicated, in the given order), and the rules of one call that need more
 * than one field: inbound/outbound calls have a phone number; internal ones have none and at least one other member;
 * only internal calls run as a meeting (`video`), and not with `meetingId` too; `scheduledAt` lies in the future,
 * within a year. Membership and the meeting's organization need the database and are checked by the service.
 */
export function callRuleProblems(
  input: CallRuleInput,
  creatorId: string,
  now: number,
): { others: string[]; problems: CallRuleProblem[] } {
  const problems: CallRuleProblem[] = [];
  const others = [...new Set(input.participantIds ?? [])].filter((id) => id !== creatorId);
  if (input.direction === CallDirection.Internal) {
    if (input.phoneNumber) {
      problems.push({ field: 'phoneNumber', message: 'an internal call has no phone number' });
    }
    if (others.length === 0) {
      problems.push({ field: 'participantIds', message: 'an internal call needs at least one other participant' });
    }
  } else if (!input.phoneNumber) {
    problems.push({ field: 'phoneNumber', message: `phoneNumber is required for ${input.direction} calls` });
  }
  if (input.video && input.direction !== CallDirection.Internal) {
    problems.push({ field: 'video', message: 'only internal calls can run as a meeting' });
  }
  if (input.video && input.meetingId) {
    problems.push({ field: 'video', message: 'give either video or meetingId' });
  }
  if (input.scheduledAt) {
    const at = input.scheduledAt.getTime();
    if (at <= now) {
      problems.push({ field: 'scheduledAt', message: 'scheduledAt must be in the future' });
    } else if (at - now > MAX_SCHEDULE_MS) {
      problems.push({ field: 'scheduledAt', message: 'scheduledAt must be within a year' });
    }
  }
  return { others, problems };
}
