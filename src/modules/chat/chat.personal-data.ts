import { Injectable } from '@nestjs/common';
import { afterCursor, EXPORT_PAGE, pagedRows } from 'src/common/domain/personal-data';
import { OnDomainEvent, type DomainEvents } from 'src/common/events/domain-events';
import type {} from 'src/modules/settings/settings.events';
import { ChatMessage } from './chat-message.entity';
import { ConversationMember } from './conversation-member.entity';
import { ChatImport } from './import/chat-import.entity';

/** The chat domain's part of the data export: conversations, messages written, imports made. */
@Injectable()
export class ChatPersonalData {
  @OnDomainEvent('account.export', { phase: 'transaction' })
  contribute({ add }: DomainEvents['account.export']): void {
    add({
      name: 'conversations',
      rows: (em, userId) =>
        pagedRows(
          (after) =>
            em.find(
              ConversationMember,
              { user: userId, ...afterCursor(after) },
              { ...EXPORT_PAGE, populate: ['conversation'] },
            ),
          (m) => ({
            conversationId: m.conversation.id,
            organizationId: m.conversation.organization.id,
            type: m.conversation.type,
            title: m.conversation.title ?? null,
            role: m.role,
            joinedAt: m.joinedAt,
            lastReadAt: m.lastReadAt ?? null,
            muted: m.muted,
            archived: m.archived,
          }),
        ),
    });
    add({
      name: 'chatMessages',
      rows: (em, userId) =>
        pagedRows(
          (after) =>
            em.find(ChatMessage, { author: userId, ...afterCursor(after) }, { ...EXPORT_PAGE, exclude: ['search'] }),
          (m) => ({
            id: m.id,
            conversationId: m.conversation.id,
            kind: m.kind,
            body: m.body,
            replyToId: m.replyTo?.id ?? null,
            media: m.media ?? null,
            createdAt: m.createdAt,
            editedAt: m.editedAt ?? null,
            deletedAt: m.deletedAt ?? null,
          }),
        ),
    });
    add({
      name: 'chatImports',
      rows: (em, userId) =>
        pagedRows(
          (after) => em.find(ChatImport, { user: userId, ...afterCursor(after) }, EXPORT_PAGE),
          (i) => ({
            id: i.id,
            organizationId: i.organization.id,
            platform: i.platform,
            status: i.status,
            title: i.title ?? null,
            filename: i.filename,
            size: Number(i.size),
            processed: i.processed,
            total: i.total ?? null,
            createdAt: i.createdAt,
          }),
        ),
    });
  }
}
