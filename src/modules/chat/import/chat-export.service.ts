import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { AuthUser } from 'src/common/auth/auth-user';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { ChatError, ChatErrorCode } from 'src/modules/chat/chat.errors';
import { ChatExportRepository, type ExportRow } from './chat-export.repository';
import { ChatExportFormat } from './chat-import.dto';

/** Messages read per query while streaming an export. */
export const EXPORT_PAGE_SIZE = 1000;

export interface ChatExport {
  filename: string;
  contentType: string;
  stream: Readable;
}

/** `2024-01-31 14:05:00` (UTC), the stamp of the text format. */
const stamp = (d: Date): string => d.toISOString().slice(0, 19).replace('T', ' ');

/**
 * Exports a conversation the caller is a member of, streamed: the messages are read in pages of
 * `EXPORT_PAGE_SIZE` on a keyset over (created_at, id), never all at once. JSON is one document
 * `{ conversation, messages: [...] }`; text is WhatsApp-like (`[2024-01-31 14:05:00] Name: text`, UTC), which the
 * WhatsApp importer reads back.
 */
@Injectable()
export class ChatExportService {
  constructor(private readonly exports: ChatExportRepository) {}

  async export(
    org: OrgContext,
    actor: AuthUser,
    conversationId: string,
    format: ChatExportFormat,
  ): Promise<ChatExport> {
    const conversation = await this.exports.findConversation(actor.id, org.id, conversationId);
    if (!conversation) {
      throw new ChatError(ChatErrorCode.ConversationNotFound, `conversation ${conversationId}`);
    }
    const exportedAt = new Date();
    const base = (conversation.title ?? '')
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60);
    const name = `chat-${base || conversation.id}-${exportedAt.toISOString().slice(0, 10)}`;
    const pages = this.pages(conversationId);
    if (format === ChatExportFormat.Text) {
      return { filename: `${name}.txt`, contentType: 'text/plain; charset=utf-8', stream: Readable.from(text(pages)) };
    }
    const header = {
      id: conversation.id,
      type: conversation.type,
      title: conversation.title,
      createdAt: new Date(conversation.created_at).toISOString(),
      source: conversation.platform,
      exportedAt: exportedAt.toISOString(),
    };
    return {
      filename: `${name}.json`,
      contentType: 'application/json; charset=utf-8',
      stream: Readable.from(json(header, pages)),
    };
  }

  /** Oldest first, one page per query. */
  private async *pages(conversationId: string): AsyncGenerator<ExportRow[]> {
    let after: { at: string; id: string } | null = null;
    for (;;) {
      const rows = await this.exports.findPage(conversationId, after, EXPORT_PAGE_SIZE);
      if (rows.length > 0) {
        yield rows;
      }
      if (rows.length < EXPORT_PAGE_SIZE) {
        return;
      }
      const last = rows[rows.length - 1];
      after = { at: last.cursor_at, id: last.id };
    }
  }
}

const authorOf = (r: ExportRow): string | null => r.author_name ?? r.user_name ?? null;
const kindOf = (r: ExportRow): string => (r.deleted_at && r.kind === 'text' ? 'deleted' : r.kind);

async function* json(header: Record<string, unknown>, pages: AsyncIterable<ExportRow[]>): AsyncGenerator<string> {
  yield `{"conversation":${JSON.stringify(header)},"messages":[`;
  let first = true;
  for await (const rows of pages) {
    const items = rows.map((r) =>
      JSON.stringify({
        id: r.id,
        author: authorOf(r),
        authorId: r.author_id,
        sentAt: new Date(r.created_at).toISOString(),
        kind: kindOf(r),
        text: r.deleted_at ? '' : r.body,
        ...(r.media ? { media: r.media } : {}),
        ...(r.edited_at ? { editedAt: new Date(r.edited_at).toISOString() } : {}),
        ...(r.reply_to_id ? { replyToId: r.reply_to_id } : {}),
      }),
    );
    yield (first ? '' : ',') + items.join(',');
    first = false;
  }
  yield ']}\n';
}

async function* text(pages: AsyncIterable<ExportRow[]>): AsyncGenerator<string> {
  for await (const rows of pages) {
    yield rows.map(textLine).join('');
  }
}

function textLine(r: ExportRow): string {
  const at = `[${stamp(new Date(r.created_at))}]`;
  const kind = kindOf(r);
  if (kind === 'system') {
    return `${at} ${r.body}\n`;
  }
  let body: string;
  if (kind === 'deleted') {
    body = 'This message was deleted';
  } else if (kind === 'media') {
    const placeholder = r.media?.filename ? `<attached: ${r.media.filename}>` : '<Media omitted>';
    body = r.body ? `${placeholder}\n${r.body}` : placeholder;
  } else {
    body = r.body;
  }
  return `${at} ${authorOf(r) ?? 'Unknown'}: ${body}\n`;
}
