import { createReadStream } from 'node:fs';
import { ChatImportError, ChatImportErrorCode } from './chat-import.errors';
import {
  ChatImportDateOrderSource,
  ChatImportPlatform,
  type ChatImportDateOrder,
  type ChatImportOptions,
} from './chat-import.entity';
import type { ChatImportEntry } from './chat-import.types';
import { parseTelegram, type TelegramEntry } from './telegram.parser';
import {
  streamWhatsApp,
  type WhatsAppDateOrderDecision,
  type WhatsAppEntry,
  type WhatsAppSummary,
} from './whatsapp.parser';

/** One parsed message of either platform, with what the importer uses beyond the common shape. */
export type SourceEntry = ChatImportEntry & Partial<Pick<WhatsAppEntry, 'line'>> & Partial<TelegramEntry>;

export interface ImportSource {
  /** The export's own name for the chat (Telegram); WhatsApp exports have none. */
  title: string | null;
  /** Entries in file order (strict mode: the first problem throws a `ChatImportError` with its line / entry). */
  entries: AsyncIterable<SourceEntry>;
  /** WhatsApp, once `entries` were read to the end: how day and month were read (null: Telegram, year-first). */
  dateOrder(): ChatImportDateOrder | null;
}

const DECIDED_BY: Record<WhatsAppDateOrderDecision['decidedBy'], ChatImportDateOrderSource> = {
  forced: ChatImportDateOrderSource.Request,
  file: ChatImportDateOrderSource.Content,
  sequence: ChatImportDateOrderSource.Sequence,
  option: ChatImportDateOrderSource.Request,
  locale: ChatImportDateOrderSource.Locale,
  default: ChatImportDateOrderSource.Default,
};

export function toImportDateOrder(decision: WhatsAppDateOrderDecision | null): ChatImportDateOrder | null {
  return decision ? { order: decision.order, decidedBy: DECIDED_BY[decision.decidedBy] } : null;
}

/**
 * Opens an uploaded export with the platform's parser, strict mode. WhatsApp streams line by line; Telegram is
 * parsed whole (bounded by `maxBytes`), and an "all chats" export needs `options.chat` unless only one chat has
 * messages.
 */
export async function openImportSource(
  platform: ChatImportPlatform,
  file: string,
  options: ChatImportOptions,
  maxBytes: number,
): Promise<ImportSource> {
  const timeZone = options.timeZone ?? 'UTC';
  if (platform === ChatImportPlatform.WhatsApp) {
    let summary: WhatsAppSummary | null = null;
    const stream = streamWhatsApp(createReadStream(file), {
      timeZone,
      forceDateOrder: options.dateOrder,
      locale: options.locale,
    });
    async function* entries(): AsyncGenerator<SourceEntry> {
      summary = yield* stream;
    }
    return { title: null, entries: entries(), dateOrder: () => toImportDateOrder(summary?.dateOrder ?? null) };
  }
  const chat =
    options.chat === undefined ? undefined : /^\d{1,9}$/.test(options.chat) ? Number(options.chat) : options.chat;
  let result;
  try {
    result = await parseTelegram(createReadStream(file), { timeZone, maxBytes, chat });
  } catch (error) {
    if (error instanceof ChatImportError && error.code === ChatImportErrorCode.ChatNotFound) {
      throw new ChatImportError(error.code, error.message, { field: 'chat' });
    }
    throw error;
  }
  let chosen = result.chats[0];
  if (result.form === 'all-chats' && options.chat === undefined) {
    const withMessages = result.chats.filter((c) => c.entries.length > 0);
    if (withMessages.length !== 1) {
      const names = withMessages.map((c) => `${c.index}: ${c.name ?? '(no name)'}`).join(', ');
      throw new ChatImportError(
        ChatImportErrorCode.InvalidOption,
        `this "all chats" export holds ${withMessages.length} chats with messages; choose one with "chat" (${names})`,
        { field: 'chat' },
      );
    }
    chosen = withMessages[0];
  }
  if (chosen.entries.length === 0) {
    throw new ChatImportError(ChatImportErrorCode.Empty, `chat "${chosen.name ?? chosen.index}" holds no messages`);
  }
  return { title: chosen.name, entries: iterate(chosen.entries), dateOrder: () => null };
}

// eslint-disable-next-line @typescript-eslint/require-await
async function* iterate<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

/** The group subject a WhatsApp notice announces (`X created group "Trip"`, `X changed the subject … to "Trip"`). */
export function subjectOf(entry: SourceEntry): string | null {
  if (entry.kind !== 'system') {
    return null;
  }
  const m = /(?:created (?:the )?group|changed the subject(?: from ["“].*["”])? to) ["“](.+)["”]$/i.exec(entry.text);
  return m ? m[1] : null;
}
