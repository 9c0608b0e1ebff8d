/** Kinds, reasons and statuses of reports, apart from the entities so the repository and both entities share them without an import cycle. */
export enum ReportType {
  Message = 'message',
  User = 'user',
  Bug = 'bug',
}

export enum ReportReason {
  Spam = 'spam',
  Abuse = 'abuse',
  Harassment = 'harassment',
  HateSpeech = 'hate_speech',
  Inappropriate = 'inappropriate',
  Impersonation = 'impersonation',
  Other = 'other',
}

export enum ReportStatus {
  Open = 'open',
  InReview = 'in_review',
  Resolved = 'resolved',
  Dismissed = 'dismissed',
  Withdrawn = 'withdrawn',
}

/** Statuses in which a report is still being handled: one per reporter and target at a time. */
export const ACTIVE_STATUSES: readonly ReportStatus[] = [ReportStatus.Open, ReportStatus.InReview];

/** What the reported chat message said, and who wrote it, when it was reported (kept if it is edited or deleted). */
export interface MessageSnapshot {
  messageId: string;
  conversationId: string;
  authorId: string | null;
  authorUsername: string | null;
  body: string;
  createdAt: string;
  editedAt: string | null;
}
