/** Webhook events of organizations (see `src/modules/webhooks/webhook-events.ts`), described in `organizations.domain.ts`. */

/** Why an API key was revoked: by a user, or because its creator's standing changed. */
export type ApiKeyRevokedReason =
  'revoked' | 'creator_removed' | 'creator_left' | 'creator_role_changed' | 'creator_deleted';

interface MemberData {
  userId: string;
  email: string | null;
  role: string;
}

declare module 'src/modules/webhooks/webhook-events' {
  interface WebhookEventData {
    'organization.updated': { organizationId: string; name: string; slug: string; plan: string };
    'member.joined': MemberData;
    'member.role_changed': MemberData & { previousRole: string; changedById: string };
    'member.removed': MemberData & { removedById: string };
    'member.left': MemberData;
    'invitation.created': { invitationId: string; email: string; role: string; invitedById: string };
    'invitation.accepted': { invitationId: string; email: string; role: string; userId: string };
    'invitation.revoked': { invitationId: string; email: string; revokedById: string };
    'api_key.created': { apiKeyId: string; name: string; prefix: string; scopes: string[] };
    'api_key.revoked': {
      apiKeyId: string;
      reason: ApiKeyRevokedReason;
    };
  }
}
