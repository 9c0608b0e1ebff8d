/**
 * Every event an organization can subscribe a webhook endpoint to. A domain that emits a new event adds its type
 * here and the shape of its `data` to `WebhookEventData`; its description goes in the domain's definition
 * (`webhookEvents`), which `GET /api/v1/webhooks/event-types` serves.
 */
export enum WebhookEventType {
  OrganizationUpdated = 'organization.updated',
  MemberJoined = 'member.joined',
  MemberRoleChanged = 'member.role_changed',
  MemberRemoved = 'member.removed',
  MemberLeft = 'member.left',
  InvitationCreated = 'invitation.created',
  InvitationAccepted = 'invitation.accepted',
  InvitationRevoked = 'invitation.revoked',
  ApiKeyCreated = 'api_key.created',
  ApiKeyRevoked = 'api_key.revoked',
  MailReceived = 'mail.received',
  MailAccountState = 'mail.account_state',
  MailSent = 'mail.sent',
  MailSendFailed = 'mail.send_failed',
  ChatConversationCreated = 'chat.conversation.created',
  ChatMessageCreated = 'chat.message.created',
  ChatMessageUpdated = 'chat.message.updated',
  ChatMessageDeleted = 'chat.message.deleted',
  MeetingStarted = 'meeting.started',
  MeetingEnded = 'meeting.ended',
  CallStarted = 'call.started',
  CallEnded = 'call.ended',
  /** Sent only by `POST /webhooks/endpoints/{id}/test`, to that endpoint. */
  Test = 'webhook.test',
}

/** Description of `webhook.test`, the one event no domain publishes (the other types are described by their domains). */
export const WEBHOOK_TEST_DESCRIPTION = 'A test event sent on request to one endpoint';

/** Why an API key was revoked: by a user, or because its creator's standing changed. */
export type ApiKeyRevokedReason =
  'revoked' | 'creator_removed' | 'creator_left' | 'creator_role_changed' | 'creator_deleted';

interface MemberData {
  userId: string;
  email: string | null;
  role: string;
}

/** The `data` of each event type. */
export interface WebhookEventData {
  [WebhookEventType.OrganizationUpdated]: { organizationId: string; name: string; slug: string; plan: string };
  [WebhookEventType.MemberJoined]: MemberData;
  [WebhookEventType.MemberRoleChanged]: MemberData & { previousRole: string; changedById: string };
  [WebhookEventType.MemberRemoved]: MemberData & { removedById: string };
  [WebhookEventType.MemberLeft]: MemberData;
  [WebhookEventType.InvitationCreated]: { invitationId: string; email: string; role: string; invitedById: string };
  [WebhookEventType.InvitationAccepted]: { invitationId: string; email: string; role: string; userId: string };
  [WebhookEventType.InvitationRevoked]: { invitationId: string; email: string; revokedById: string };
  [WebhookEventType.ApiKeyCreated]: { apiKeyId: string; name: string; prefix: string; scopes: string[] };
  [WebhookEventType.ApiKeyRevoked]: {
    apiKeyId: string;
    reason: ApiKeyRevokedReason;
  };
  [WebhookEventType.MailReceived]: {
    accountId: string;
    userId: string;
    /** The message's id in Switchboard (GET /mail/messages/{id}). */
    id: string;
    folder: string;
    subject: string | null;
    from: { name: string | null; address: string | null } | null;
    internalDate: string;
  };
  [WebhookEventType.MailAccountState]: { accountId: string; userId: string; state: string; error: string | null };
  [WebhookEventType.MailSent]: { accountId: string; userId: string; id: string; messageId: string; sentAt: string };
  [WebhookEventType.MailSendFailed]: { accountId: string; userId: string; id: string; error: string };
  [WebhookEventType.ChatConversationCreated]: {
    conversationId: string;
    type: string;
    title: string | null;
    createdById: string;
    memberIds: string[];
  };
  [WebhookEventType.ChatMessageCreated]: ChatMessageData;
  [WebhookEventType.ChatMessageUpdated]: ChatMessageData & { editedAt: string };
  [WebhookEventType.ChatMessageDeleted]: {
    conversationId: string;
    id: string;
    deletedById: string;
    deletedAt: string;
  };
  [WebhookEventType.MeetingStarted]: MeetingEventData;
  [WebhookEventType.MeetingEnded]: MeetingEventData & { endedAt: string };
  [WebhookEventType.CallStarted]: CallEventData;
  [WebhookEventType.CallEnded]: CallEventData & { endedAt: string; durationSeconds: number };
  [WebhookEventType.Test]: { endpointId: string; message: string };
}

interface ChatMessageData {
  conversationId: string;
  conversationType: string;
  /** The message's id (GET /chat/conversations/{conversationId}/messages). */
  id: string;
  authorId: string;
  body: string;
  replyToId: string | null;
  /** Mentioned members' user ids. */
  mentions: string[];
  createdAt: string;
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

interface MeetingEventData {
  /** The meeting's id (GET /video/meetings/{meetingId}). */
  meetingId: string;
  title: string;
  hostId: string;
  /** Invited organization members' user ids. */
  inviteeIds: string[];
  startedAt: string;
}

/**
 * A domain event that is also a webhook event: published on the domain event bus under the webhook event's type
 * (`member.left`…) by the domain it belongs to, and turned into deliveries by the webhooks domain
 * (`WebhookEventsListener`) once the publisher's transaction committed.
 */
export interface WebhookDomainEvent<T extends WebhookEventType> {
  organizationId: string;
  data: WebhookEventData[T];
  requestId?: string;
}

/** The webhook events as domain events (`webhook.test` is only sent by its route, never published). */
export type WebhookDomainEvents = {
  [T in Exclude<WebhookEventType, WebhookEventType.Test>]: WebhookDomainEvent<T>;
};

declare module 'src/common/events/domain-events' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface DomainEvents extends WebhookDomainEvents {}
}
