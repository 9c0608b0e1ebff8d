/** Realtime events of notifications, on `/notifications` (see `src/realtime/events.ts`). */
/** One entry of the notification list, as `GET /api/v1/notifications` returns it. */
export interface NotificationPayload {
  id: string;
  type: string;
  organizationId: string | null;
  title: string;
  body: string;
  data: Record<string, unknown>;
  readAt: string | null;
  createdAt: string;
}

declare module 'src/realtime/events' {
  interface RealtimeEvents {
    /** A notification was added to the user's list (GET /notifications); the payload is the whole entry. */
    'notification.created': NotificationPayload;
    /** Notifications of the user were marked read (by one of their clients), so other tabs update their badge. */
    'notification.read': { ids: string[]; readAt: string; unreadCount: number };
  }
}
