/** Realtime events of reports, on `/notifications` (see `src/realtime/events.ts`). */
declare module 'src/realtime/events' {
  interface RealtimeEvents {
    /**
     * One of your reports changed: an admin moved its status or wrote a comment meant for you. Fetch it with
     * GET /reports/{reportId}.
     */
    'report.updated': { reportId: string; status: string; change: 'status' | 'comment' };
  }
}

export {};
