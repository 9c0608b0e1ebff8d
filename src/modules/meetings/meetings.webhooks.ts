/**
 * Webhook events of meetings and calls (see `src/modules/webhooks/webhook-events.ts`), described in
 * `meetings.domain.ts`.
 */

interface MeetingEventData {
  /** The meeting's id (GET /video/meetings/{meetingId}). */
  meetingId: string;
  title: string;
  hostId: string;
  /** Invited organization members' user ids. */
  inviteeIds: string[];
  startedAt: string;
}

interface CallEventData {
  /** The call's id (GET /video/calls/{callId}). */
  callId: string;
  direction: string;
  status: string;
  createdById: string;
  /** Members taking part (the creator included). */
  participantIds: string[];
  phoneNumber: string | null;
  meetingId: string | null;
  scheduledAt: string | null;
  startedAt: string;
}

declare module 'src/modules/webhooks/webhook-events' {
  interface WebhookEventData {
    'meeting.started': MeetingEventData;
    'meeting.ended': MeetingEventData & { endedAt: string };
    'call.started': CallEventData;
    'call.ended': CallEventData & { endedAt: string; durationSeconds: number };
  }
}

export {};
