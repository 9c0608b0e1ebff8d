/** Realtime events of meetings and calls, on `/notifications` (see `src/realtime/events.ts`). */
declare module 'src/realtime/events' {
  interface RealtimeEvents {
    /** A meeting you host or are invited to went live (`POST /video/meetings/{id}/start`); get a join token to enter. */
    'meeting.started': { meetingId: string; organizationId: string; title: string; hostId: string; startedAt: string };
    /** A meeting you host or are invited to ended (`POST /video/meetings/{id}/stop`). */
    'meeting.ended': {
      meetingId: string;
      organizationId: string;
      title: string;
      hostId: string;
      startedAt: string | null;
      endedAt: string;
    };
    /**
     * A call you take part in started: created now (`POST /video/calls`, status in_progress) or a scheduled one whose
     * time came (status ringing). Fetch it with GET /video/calls/{callId}.
     */
    'call.started': {
      callId: string;
      organizationId: string;
      direction: string;
      status: string;
      createdById: string;
      participantIds: string[];
      phoneNumber: string | null;
      meetingId: string | null;
      startedAt: string;
    };
    /** A call you take part in ended (`POST /video/calls/{id}/end`): completed, missed or failed. */
    'call.ended': {
      callId: string;
      organizationId: string;
      status: string;
      endedAt: string;
      durationSeconds: number;
    };
  }
}

export {};
