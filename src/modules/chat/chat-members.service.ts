import { conversationRoom } from './chat.events';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuthUser } from 'src/common/auth/auth-user';
import { DomainEventContext, DomainEvents, OnDomainEvent } from 'src/common/events/domain-events';
import type {} from 'src/modules/organizations/organizations.events';
import { nonMembers } from 'src/modules/organizations/non-members';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { rooms } from 'src/realtime/events';
import { ChatRealtimeService } from './chat-realtime.service';
import { AddMembersDto, ConversationDto, UpdateMembershipDto } from './chat.dto';
import { ChatError, ChatErrorCode } from './chat.errors';
import { ChatRepository } from './chat.repository';
import { ConversationMember, ConversationRole } from './conversation-member.entity';
import { Conversation, ConversationType } from './conversation.entity';

function toConversationDto(c: Conversation, members: ConversationMember[], me: ConversationMember): ConversationDto {
  return {
    id: c.id,
    type: c.type,
    title: c.title ?? null,
    createdById: c.createdBy?.id ?? null,
    createdAt: c.createdAt.toISOString(),
    lastMessageAt: c.lastMessageAt?.toISOString() ?? null,
    members: members
      .sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime())
      .map((m) => ({
        userId: m.user.id,
        role: m.role,
        lastReadMessageId: m.lastReadMessageId ?? null,
        joinedAt: m.joinedAt.toISOString(),
      })),
    muted: me.muted,
    archived: me.archived,
    myRole: me.role,
  };
}

/**
 * Who is in which conversation: the caller's own membership row (every chat read and write starts from it, so a
 * conversation the caller is not in is 404, whatever its id), the conversation as that member sees it, adding and
 * removing members, the member's own flags, leaving an organization's conversations when its membership ends, and
 * the lookups the `/chat` gateway needs. Realtime events go out only after the transaction committed.
 */
@Injectable()
export class ChatMembersService {
  constructor(
    private readonly em: EntityManager,
    private readonly realtime: ChatRealtimeService,
    private readonly chat: ChatRepository,
  ) {}

  async membership(org: OrgContext, actor: AuthUser, conversationId: string): Promise<ConversationMember> {
    const me = await this.em.findOne(
      ConversationMember,
      { conversation: { id: conversationId, organization: org.id }, user: actor.id },
      { populate: ['conversation'] },
    );
    if (!me) {
      throw new ChatError(ChatErrorCode.ConversationNotFound, `conversation ${conversationId}`);
    }
    return me;
  }

  async get(org: OrgContext, actor: AuthUser, conversationId: string): Promise<ConversationDto> {
    const me = await this.membership(org, actor, conversationId);
    const members = await this.em.find(ConversationMember, { conversation: conversationId });
    return toConversationDto(me.conversation, members, me);
  }

  async addMembers(org: OrgContext, actor: AuthUser, conversationId: string, dto: AddMembersDto) {
    const me = await this.membership(org, actor, conversationId);
    assertGroupAdmin(me);
    const wanted = [...new Set(dto.userIds)];
    await this.assertOrgMembers(org, wanted);
    const present = await this.em.find(ConversationMember, { conversation: conversationId, user: { $in: wanted } });
    const presentIds = new Set(present.map((m) => m.user.id));
    const added = wanted.filter((id) => !presentIds.has(id));
    if (added.length > 0) {
      await this.em.transactional(async (em) => {
        for (const userId of added) {
          em.create(ConversationMember, { conversation: conversationId, user: userId, role: ConversationRole.Member });
        }
        await em.flush();
      });
      this.realtime.join(added, conversationId);
      this.realtime.toRooms([conversationRoom(conversationId), ...added.map(rooms.user)], 'conversation.updated', {
        conversationId,
        reason: 'members_added',
        userIds: added,
      });
    }
    return this.get(org, actor, conversationId);
  }

  /** Removes a member (group admins), or the caller themself (leave). The last admin leaving promotes the oldest member. */
  async removeMember(org: OrgContext, actor: AuthUser, conversationId: string, userId: string): Promise<void> {
    const me = await this.membership(org, actor, conversationId);
    if (me.conversation.type === ConversationType.Direct) {
      throw new ChatError(ChatErrorCode.NotGroup, 'Members of a direct conversation cannot change; archive it instead');
    }
    if (userId !== actor.id && me.role !== ConversationRole.Admin) {
      throw new ChatError(ChatErrorCode.AdminRequired, 'Only the group’s admins can remove members');
    }
    await this.em.transactional(async (em) => {
      const target = await em.findOne(ConversationMember, { conversation: conversationId, user: userId });
      if (!target) {
        throw new ChatError(ChatErrorCode.NotMember, `user ${userId} is not a member of this conversation`);
      }
      em.remove(target);
      await em.flush();
      const rest = await em.find(
        ConversationMember,
        { conversation: conversationId },
        { orderBy: { joinedAt: 'asc' } },
      );
      if (rest.length === 0) {
        em.remove(em.getReference(Conversation, conversationId));
      } else if (!rest.some((m) => m.role === ConversationRole.Admin)) {
        rest[0].role = ConversationRole.Admin;
      }
      await em.flush();
    });
    this.realtime.leave([userId], conversationId);
    this.realtime.toRooms([conversationRoom(conversationId), rooms.user(userId)], 'conversation.updated', {
      conversationId,
      reason: 'member_removed',
      userIds: [userId],
    });
  }

  async updateMembership(org: OrgContext, actor: AuthUser, conversationId: string, dto: UpdateMembershipDto) {
    const me = await this.membership(org, actor, conversationId);
    if (dto.archived !== undefined) {
      me.archived = dto.archived;
    }
    if (dto.muted !== undefined) {
      me.muted = dto.muted;
    }
    await this.em.flush();
    return this.get(org, actor, conversationId);
  }

  // ---- domain events ----

  /**
   * In the transaction that removed a member from an organization: takes them out of its conversations; once it
   * committed, their sockets leave those rooms and the other members hear of it.
   */
  @OnDomainEvent('organization.member.removed', { phase: 'transaction' })
  async onMemberRemoved(
    { organizationId, userId }: DomainEvents['organization.member.removed'],
    context: DomainEventContext,
  ): Promise<void> {
    const conversationIds = await this.chat.removeFromOrganizationConversations(context.em, organizationId, userId);
    context.afterCommit(() => this.afterOrganizationLeft(userId, conversationIds));
  }

  /** After commit: the user's sockets leave those conversations' rooms, and the other members hear of it. */
  private afterOrganizationLeft(userId: string, conversationIds: string[]): void {
    for (const conversationId of conversationIds) {
      this.realtime.leave([userId], conversationId);
      this.realtime.toConversation(conversationId, 'conversation.updated', {
        conversationId,
        reason: 'member_removed',
        userIds: [userId],
      });
    }
  }

  // ---- used by the gateway ----

  /** Ids of every conversation the user is a member of (all organizations): the rooms a `/chat` socket joins. */
  conversationIdsOf(userId: string): Promise<string[]> {
    return this.chat.conversationIdsOf(userId);
  }

  /**
   * Those of `userIds` who share at least one conversation with `userId` (any organization; a conversation lies in
   * one), and `userId` itself: the users whose presence `userId` may see.
   */
  async presenceVisibleTo(userId: string, userIds: string[]): Promise<Set<string>> {
    return new Set([userId, ...(await this.chat.usersSharingAConversationWith(userId, userIds))]);
  }

  isMember(userId: string, conversationId: string): Promise<boolean> {
    return this.chat.isMember(userId, conversationId);
  }

  // ---- checks ----

  /** 400 `CHAT_NOT_ORG_MEMBER` naming those of `userIds` who are not members of the organization. */
  async assertOrgMembers(org: OrgContext, userIds: string[]): Promise<void> {
    const missing = await nonMembers(this.em, org.id, userIds);
    if (missing.length > 0) {
      throw new ChatError(ChatErrorCode.NotOrgMember, 'Participants must be members of the organization', {
        field: 'memberIds',
        userIds: missing,
      });
    }
  }
}

/** Title and members change only in group conversations, and only by their admins. */
export function assertGroupAdmin(me: ConversationMember): void {
  if (me.conversation.type !== ConversationType.Group) {
    throw new ChatError(ChatErrorCode.NotGroup, 'Only group conversations have a title and changing members');
  }
  if (me.role !== ConversationRole.Admin) {
    throw new ChatError(ChatErrorCode.AdminRequired, 'Only the group’s admins can do this');
  }
}
