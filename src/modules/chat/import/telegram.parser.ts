import type { Readable } from 'node:stream';
import { ChatImportError, ChatImportErrorCode, ProblemCollector } from './chat-import.errors';
import {
  DEFAULT_MAX_WARNINGS,
  StatsCollector,
  type ChatImportEntry,
  type ChatImportMedia,
  type ChatImportMediaType,
  type ChatImportResult,
  type LenientOptions,
} from './chat-import.types';
import { isValidWallClock, ZonedClock } from './wall-clock';

export interface TelegramParseOptions extends LenientOptions {
  /** Zone of the exporting computer, used only for `date` when `date_unixtime` is missing (old exports); default UTC. */
  timeZone?: string;
  /** The file is read whole and `JSON.parse`d: larger inputs are refused (default 64 MiB). */
  maxBytes?: number;
  /**
   * "All chats" export: which chat to return — its index in `chats.list`, its Telegram `id`, or its exact `name`.
   * Without it every chat is returned. Ignored for a single-chat export.
   */
  chat?: number | string;
}

export interface TelegramEntry extends ChatImportEntry {
  /** 0-based index of the message in its chat's `messages` array. */
  entry: number;
  /** Telegram's message id (what `replyToId` and pins refer to). */
  id: number;
  /** `from_id` / `actor_id` (`user123…`, `channel…`), when present. */
  authorId: string | null;
  replyToId?: number;
  editedAt?: Date;
  forwardedFrom?: string;
  /** Service messages: Telegram's action (`create_group`, `invite_members`, `pin_message`…). */
  action?: string;
}

export interface TelegramChatImport extends ChatImportResult<TelegramEntry> {
  name: string | null;
  /** `personal_chat`, `private_group`, `private_supergroup`, `public_channel`, `saved_messages`… */
  type: string | null;
  id: number | null;
  /** Index in `chats.list` for an "all chats" export; `null` for a single-chat export. */
  index: number | null;
}

export interface TelegramImport {
  form: 'single' | 'all-chats';
  chats: TelegramChatImport[];
}

/** The `result.json` as text, bytes, or a stream of chunks (read up to `maxBytes`). */
export type TelegramInput = string | Buffer | Readable | AsyncIterable<Buffer | string>;

export const DEFAULT_TELEGRAM_MAX_BYTES = 64 * 1024 * 1024;

const NOT_INCLUDED = '(File not included';
/** `2023-12-31T21:41:05`, the exporting computer's local time. */
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** Reads a Telegram Desktop JSON export ("Export chat history" or "Export Telegram data" → all chats). */
export async function parseTelegram(input: TelegramInput, options: TelegramParseOptions = {}): Promise<TelegramImport> {
  const text = await readText(input, options.maxBytes ?? DEFAULT_TELEGRAM_MAX_BYTES);
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ChatImportError(ChatImportErrorCode.Malformed, `the file is not valid JSON: ${reason}`);
  }
  return parseTelegramJson(root, options);
}

/** Same as `parseTelegram`, for a value already parsed. */
export function parseTelegramJson(root: unknown, options: TelegramParseOptions = {}): TelegramImport {
  const clock = new ZonedClock(options.timeZone ?? 'UTC');
  if (!isObject(root)) {
    throw new ChatImportError(ChatImportErrorCode.Malformed, 'not a Telegram export: the file is not a JSON object');
  }
  let result: TelegramImport;
  if (Array.isArray(root.messages)) {
    result = { form: 'single', chats: [parseChat(root, null, 'messages', clock, options)] };
  } else if (isObject(root.chats) && Array.isArray(root.chats.list)) {
    const list: unknown[] = root.chats.list;
    const indexes = options.chat === undefined ? list.map((_, i) => i) : [findChat(list, options.chat)];
    const chats = indexes.map((i) => {
      const chat = list[i];
      if (!isObject(chat) || !Array.isArray(chat.messages)) {
        throw new ChatImportError(ChatImportErrorCode.Malformed, `chat ${i}: not a chat with a messages list`, {
          path: `chats.list[${i}]`,
        });
      }
      return parseChat(chat, i, `chats.list[${i}].messages`, clock, options);
    });
    result = { form: 'all-chats', chats };
  } else {
    throw new ChatImportError(
      ChatImportErrorCode.Malformed,
      'not a Telegram export: neither a chat ("messages") nor an "all chats" export ("chats.list")',
    );
  }
  if (result.chats.every((chat) => chat.entries.length === 0)) {
    throw new ChatImportError(ChatImportErrorCode.Empty, 'the export holds no messages');
  }
  return result;
}

function findChat(list: unknown[], wanted: number | string): number {
  if (typeof wanted === 'number' && Number.isInteger(wanted) && wanted >= 0 && wanted < list.length) {
    return wanted;
  }
  const index = list.findIndex(
    (chat) => isObject(chat) && (chat.id === wanted || String(chat.id) === String(wanted) || chat.name === wanted),
  );
  if (index === -1) {
    throw new ChatImportError(ChatImportErrorCode.ChatNotFound, `no chat ${JSON.stringify(wanted)} in the export`);
  }
  return index;
}

function parseChat(
  chat: Json,
  index: number | null,
  path: string,
  clock: ZonedClock,
  options: TelegramParseOptions,
): TelegramChatImport {
  const problems = new ProblemCollector(options.lenient ?? false, options.maxWarnings ?? DEFAULT_MAX_WARNINGS);
  const stats = new StatsCollector();
  const entries: TelegramEntry[] = [];
  const messages = chat.messages as unknown[];
  const where = index === null ? '' : `chat ${index}, `;
  messages.forEach((message, i) => {
    const fail = (reason: string, field?: string): null => {
      problems.report(`${where}entry ${i}: ${reason}`, { entry: i, path: `${path}[${i}]${field ? `.${field}` : ''}` });
      return null;
    };
    const entry = toEntry(message, i, clock, fail);
    if (entry) {
      stats.add(entry);
      entries.push(entry);
    }
  });
  return {
    name: optionalString(chat.name) ?? null,
    type: optionalString(chat.type) ?? null,
    id: isInteger(chat.id) ? chat.id : null,
    index,
    entries,
    stats: stats.result(),
    warnings: problems.warnings,
  };
}

type Fail = (reason: string, field?: string) => null;

function toEntry(message: unknown, i: number, clock: ZonedClock, fail: Fail): TelegramEntry | null {
  if (!isObject(message)) {
    return fail('not an object');
  }
  const { type } = message;
  if (type !== 'message' && type !== 'service') {
    return fail(`type ${JSON.stringify(type)} is neither "message" nor "service"`, 'type');
  }
  if (!isInteger(message.id)) {
    return fail('id is not a number', 'id');
  }
  const sentAt = readDate(message, 'date', clock, fail);
  if (!sentAt) {
    return null;
  }
  const text = flattenText(message.text, fail);
  if (text === null) {
    return null;
  }
  const entry: TelegramEntry = { entry: i, id: message.id, sentAt, author: null, authorId: null, kind: 'text', text };
  if (isInteger(message.reply_to_message_id)) {
    entry.replyToId = message.reply_to_message_id;
  }
  if (message.edited !== undefined || message.edited_unixtime !== undefined) {
    const editedAt = readDate(message, 'edited', clock, fail);
    if (!editedAt) {
      return null;
    }
    entry.editedAt = editedAt;
  }
  const forwardedFrom = optionalString(message.forwarded_from);
  if (forwardedFrom !== undefined) {
    entry.forwardedFrom = forwardedFrom;
  }

  if (type === 'service') {
    const action = optionalString(message.action);
    if (action === undefined) {
      return fail('service message without an action', 'action');
    }
    entry.kind = 'system';
    entry.action = action;
    entry.authorId = optionalString(message.actor_id) ?? null;
    entry.text = text !== '' ? text : describeAction(action, message);
    return entry;
  }

  if (message.from !== undefined && message.from !== null && typeof message.from !== 'string') {
    return fail('from is not a name', 'from');
  }
  // Telegram writes `"from": null` for deleted accounts.
  entry.author = message.from ?? 'Deleted Account';
  entry.authorId = optionalString(message.from_id) ?? null;
  const media = readMedia(message);
  if (media) {
    entry.kind = 'media';
    entry.media = media;
    if (entry.text === '' && media.type === 'sticker') {
      entry.text = optionalString(message.sticker_emoji) ?? '';
    }
  } else if (entry.text === '') {
    entry.text = describeContent(message);
  }
  return entry;
}

/** `<field>_unixtime` (UTC seconds, exports since 2021) wins; otherwise `<field>` as local time in `timeZone`. */
function readDate(message: Json, field: 'date' | 'edited', clock: ZonedClock, fail: Fail): Date | null {
  const unix = message[`${field}_unixtime`];
  if (unix !== undefined) {
    const seconds = typeof unix === 'string' && /^\d+$/.test(unix) ? Number(unix) : isInteger(unix) ? unix : NaN;
    return Number.isNaN(seconds)
      ? fail(`${field}_unixtime is not a number of seconds`, `${field}_unixtime`)
      : new Date(seconds * 1000);
  }
  const local = message[field];
  const m = typeof local === 'string' ? LOCAL_DATE.exec(local) : null;
  if (!m) {
    return fail(local === undefined ? `${field} is missing` : `${field} is not a date`, field);
  }
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const t = { year, month, day, hour, minute, second };
  return isValidWallClock(t) ? clock.toDate(t) : fail(`${field} is not a date`, field);
}

/** `"text"` is a string, or a list of strings and entities (`{ type: 'bold', text }`, links, mentions…). */
function flattenText(value: unknown, fail: Fail): string | null {
  if (value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (!Array.isArray(value)) {
    return fail('text is neither a string nor a list of strings and text entities', 'text');
  }
  let text = '';
  for (const [k, part] of (value as unknown[]).entries()) {
    if (typeof part === 'string') {
      text += part;
    } else if (isObject(part) && typeof part.text === 'string') {
      text += part.text;
    } else {
      return fail(`text[${k}] is neither a string nor a text entity`, `text[${k}]`);
    }
  }
  return text;
}

const MEDIA_TYPES: Record<string, ChatImportMediaType> = {
  sticker: 'sticker',
  animation: 'gif',
  video_file: 'video',
  video_message: 'video',
  voice_message: 'voice',
  audio_file: 'audio',
};

function readMedia(message: Json): ChatImportMedia | null {
  const photo = optionalString(message.photo);
  const file = optionalString(message.file);
  if (photo === undefined && file === undefined) {
    return message.contact_information !== undefined ? { type: 'contact' } : null;
  }
  const path = photo ?? file ?? '';
  const filename = optionalString(message.file_name) ?? (path.startsWith(NOT_INCLUDED) ? undefined : basename(path));
  const mediaType = optionalString(message.media_type);
  const type: ChatImportMediaType =
    photo !== undefined ? 'image' : mediaType !== undefined ? (MEDIA_TYPES[mediaType] ?? 'document') : 'document';
  return { ...(filename ? { filename } : {}), type };
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Plain text for messages whose content is not text (polls, locations…). */
function describeContent(message: Json): string {
  if (isObject(message.poll) && typeof message.poll.question === 'string') {
    return `Poll: ${message.poll.question}`;
  }
  const location = message.location_information;
  if (isObject(location) && typeof location.latitude === 'number' && typeof location.longitude === 'number') {
    return `Location: ${location.latitude}, ${location.longitude}`;
  }
  return '';
}

function describeAction(action: string, message: Json): string {
  const actor = optionalString(message.actor) ?? 'Someone';
  const title = optionalString(message.title);
  const members = Array.isArray(message.members)
    ? (message.members as unknown[]).map((m) => (typeof m === 'string' ? m : 'Deleted Account')).join(', ')
    : '';
  switch (action) {
    case 'create_group':
    case 'create_channel':
      return `${actor} created ${action === 'create_group' ? 'group' : 'channel'} "${title ?? ''}"`;
    case 'invite_members':
      return `${actor} added ${members}`;
    case 'remove_members':
      return actor === members ? `${actor} left` : `${actor} removed ${members}`;
    case 'join_group_by_link':
      return `${actor} joined the group via invite link`;
    case 'pin_message':
      return isInteger(message.message_id)
        ? `${actor} pinned message ${message.message_id}`
        : `${actor} pinned a message`;
    case 'edit_group_title':
      return `${actor} changed the group name to "${title ?? ''}"`;
    case 'edit_group_photo':
      return `${actor} changed the group photo`;
    case 'delete_group_photo':
      return `${actor} removed the group photo`;
    case 'migrate_to_supergroup':
    case 'migrate_from_group':
      return `${actor} converted the group to a supergroup`;
    case 'phone_call':
      return isInteger(message.duration_seconds)
        ? `${actor} called (${message.duration_seconds} s)`
        : `${actor} called (${optionalString(message.discard_reason) ?? 'missed'})`;
    default:
      return `${actor}: ${action.replace(/_/g, ' ')}`;
  }
}

async function readText(input: TelegramInput, maxBytes: number): Promise<string> {
  const tooLarge = (): ChatImportError =>
    new ChatImportError(ChatImportErrorCode.TooLarge, `the file is larger than ${maxBytes} bytes`);
  let text: string;
  if (typeof input === 'string') {
    if (Buffer.byteLength(input) > maxBytes) {
      throw tooLarge();
    }
    text = input;
  } else if (Buffer.isBuffer(input)) {
    if (input.length > maxBytes) {
      throw tooLarge();
    }
    text = input.toString('utf8');
  } else {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.length;
      if (size > maxBytes) {
        // Leaving the loop early destroys a Readable, so the rest of a large upload is never read.
        throw tooLarge();
      }
      chunks.push(bytes);
    }
    text = Buffer.concat(chunks).toString('utf8');
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
