import { ChatAttachment } from 'src/modules/chat/chat-attachment.entity';
import { ChatMessage } from 'src/modules/chat/chat-message.entity';
import { ConversationMember } from 'src/modules/chat/conversation-member.entity';
import { Conversation } from 'src/modules/chat/conversation.entity';
import { ChatImport } from 'src/modules/chat/import/chat-import.entity';
import { AuthToken } from 'src/modules/auth/auth-token.entity';
import { RecoveryCode } from 'src/modules/auth/recovery-code.entity';
import { RefreshToken } from 'src/modules/auth/refresh-token.entity';
import { Session } from 'src/modules/auth/session.entity';
import { Call, CallFeedback, CallParticipant } from 'src/modules/meetings/calls/call.entity';
import { Meeting, MeetingInvitee, MeetingParticipant, MeetingRecording } from 'src/modules/meetings/meeting.entity';
import { Notification } from 'src/modules/notifications/notification.entity';
import { SystemMail } from 'src/modules/mailer/system-mail.entity';
import { MailAccount } from 'src/modules/mail/mail-account.entity';
import { MailFolder } from 'src/modules/mail/mail-folder.entity';
import { MailMessage } from 'src/modules/mail/mail-message.entity';
import { MailSubmission } from 'src/modules/mail/mail-submission.entity';
import { MailUpload } from 'src/modules/mail/mail-upload.entity';
import { Invitation } from 'src/modules/organizations/invitation.entity';
import { ApiKey } from 'src/modules/organizations/api-key.entity';
import { OrgUsage } from 'src/modules/organizations/org-usage.entity';
import { Membership } from 'src/modules/organizations/membership.entity';
import { Organization } from 'src/modules/organizations/organization.entity';
import { ReportEvent } from 'src/modules/reports/report-event.entity';
import { Report } from 'src/modules/reports/report.entity';
import { DataExport } from 'src/modules/settings/data-export.entity';
import { AuditEvent } from 'src/modules/users/audit-event.entity';
import { User } from 'src/modules/users/user.entity';
import { UserQuota } from 'src/modules/users/user-quota.entity';
import { WebhookAttempt } from 'src/modules/webhooks/webhook-attempt.entity';
import { WebhookDelivery } from 'src/modules/webhooks/webhook-delivery.entity';
import { WebhookEndpoint } from 'src/modules/webhooks/webhook-endpoint.entity';
import { WebhookMessage } from 'src/modules/webhooks/webhook-message.entity';

/**
 * Every entity, listed explicitly rather than discovered by glob, so the same list works from TypeScript
 * (tests) and compiled JavaScript (production). A module adds its entities here.
 */
export const ENTITIES = [
  SystemMail,
  User,
  UserQuota,
  AuditEvent,
  Session,
  RefreshToken,
  AuthToken,
  RecoveryCode,
  Organization,
  Membership,
  Invitation,
  OrgUsage,
  ApiKey,
  WebhookEndpoint,
  WebhookMessage,
  WebhookDelivery,
  WebhookAttempt,
  DataExport,
  Notification,
  MailAccount,
  MailFolder,
  MailMessage,
  MailUpload,
  MailSubmission,
  Conversation,
  ConversationMember,
  ChatMessage,
  ChatAttachment,
  Report,
  ReportEvent,
  ChatImport,
  Meeting,
  MeetingInvitee,
  MeetingParticipant,
  MeetingRecording,
  Call,
  CallParticipant,
  CallFeedback,
];
