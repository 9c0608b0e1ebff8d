import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { ChatImportError, ChatImportErrorCode, ProblemCollector, type ChatImportWarning } from './chat-import.errors';
import {
  DEFAULT_MAX_WARNINGS,
  StatsCollector,
  type ChatImportEntry,
  type ChatImportMedia,
  type ChatImportMediaType,
  type ChatImportResult,
  type ChatImportStats,
  type LenientOptions,
} from './chat-import.types';
import { isValidWallClock, ZonedClock, type WallClock } from './wall-clock';

/** Order of day and month in a `a/b/yy` date. Year-first dates (`2023-12-31`) are never ambiguous. */
export const DATE_ORDERS = ['DMY', 'MDY'] as const;
export type DateOrder = (typeof DATE_ORDERS)[number];

export interface WhatsAppParseOptions extends LenientOptions {
  /** IANA zone the export's wall-clock times are in (the exporting phone's zone); default `UTC`. */
  timeZone?: string;
  /**
   * Read every day/month date in this order, whatever the file says: a line that is not a valid date in it fails
   * like any invalid date (the user chose it, e.g. "swap day and month").
   */
  forceDateOrder?: DateOrder;
  /** Order used when the file itself does not tell (every day and month ≤ 12 within the window, no sequence). */
  dateOrder?: DateOrder;
  /**
   * When `dateOrder` is not given either: the order of this locale's short date (`en-US` → MDY, `de-DE` → DMY). A
   * bare `en` names no country: it means MDY for a 12-hour (AM/PM) export and nothing for a 24-hour one.
   */
  locale?: string;
  /** Message lines looked at (and held back) before falling back to `dateOrder` / `locale`; default 1000. */
  dateOrderWindow?: number;
}

export interface WhatsAppEntry extends ChatImportEntry {
  /** 1-based line of the file where the message starts. */
  line: number;
  /** The export marked it `<This message was edited>` (the marker is removed from `text`). */
  edited?: true;
}

export interface WhatsAppDateOrderDecision {
  order: DateOrder;
  /**
   * `forced`: the `forceDateOrder` option; `file`: a day > 12 was seen at `line`; `sequence`: the order in which
   * the messages follow each other (see `sequenceDateOrder`); otherwise which fallback chose it.
   */
  decidedBy: 'forced' | 'file' | 'sequence' | 'option' | 'locale' | 'default';
  line?: number;
}

export interface WhatsAppSummary {
  stats: ChatImportStats;
  warnings: ChatImportWarning[];
  /** `null` when every date was year-first. */
  dateOrder: WhatsAppDateOrderDecision | null;
  lines: number;
}

export interface WhatsAppResult extends ChatImportResult<WhatsAppEntry> {
  dateOrder: WhatsAppDateOrderDecision | null;
  lines: number;
}

/**
 * Lines of a file: a byte or text stream (split by `readline`; destroyed when parsing ends or fails), or any (async)
 * iterable of lines. An object-mode `Readable` of lines is not split again: pass it as an async iterable instead.
 */
export type WhatsAppInput = Readable | AsyncIterable<string> | Iterable<string>;

const DEFAULT_DATE_ORDER_WINDOW = 1000;

// `12/31/23, 9:41 PM`, `31.12.23, 21:41`, `2023-12-31 21:41:05`, `31/12/2023, 9:41 p. m.` (spaces may be U+202F).
const DATE = String.raw`(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})\.?`;
const TIME = String.raw`(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:\s*([AaPp])\.?\s?[Mm]\.?)?`;
/** Android: `<date>, <time> - <body>`. */
const ANDROID_HEADER = new RegExp(String.raw`^${DATE},?\s+${TIME}\s*[-–]\s?(.*)$`);
/** iOS: `[<date>, <time>] <body>`. */
const IOS_HEADER = new RegExp(String.raw`^\[${DATE},?\s+${TIME}\]\s?(.*)$`);

/** Direction marks WhatsApp sprinkles in (U+200E before iOS notices, U+202A…U+202C around phone numbers). */
const MARKS = /[\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
const LEADING_MARKS = /^[\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]+/;

const DELETED = [
  /^this message was deleted\.?$/i,
  /^you deleted this message\.?$/i,
  /^diese nachricht wurde gelöscht\.?$/i,
  /^du hast diese nachricht gelöscht\.?$/i,
  /^se eliminó este mensaje\.?$/i,
  /^eliminaste este mensaje\.?$/i,
  /^ce message a été supprimé\.?$/i,
  /^vous avez supprimé ce message\.?$/i,
];

/** Appended to edited messages by exports since 2023. */
const EDITED =
  /\s*<(?:this message was edited|diese nachricht wurde bearbeitet|se editó este mensaje\.?|ce message a été modifié)>$/i;

/** Android without media: `<Media omitted>` and its translations. */
const MEDIA_OMITTED =
  /^<(media omitted|medien ausgeschlossen|multimedia omitido|médias omis|media weggelaten|mídia oculta)>$/i;
/** iOS without media: `image omitted`, `Report.pdf • 3 pages document omitted`. */
const IOS_OMITTED = /^(?:(.+?)\s+•.*\s)?(image|video|audio|sticker|gif|document|contact card) omitted$/i;
/** iOS with media: `<attached: 00000012-PHOTO-2023-12-31-21-41-05.jpg>`. */
const IOS_ATTACHED = /^<(?:attached|anhang|adjunto|pièce jointe|anexo): (.+)>$/i;
/** Android with media: `IMG-20231231-WA0003.jpg (file attached)`; a caption follows on the next lines. */
const ANDROID_ATTACHED =
  /^(.+\.[A-Za-z0-9]{1,5}) \((?:file attached|datei angehängt|archivo adjunto|fichier joint|arquivo anexado)\)$/i;

/**
 * The end-to-end-encryption notice that opens every chat, in each language whose placeholders this parser reads and
 * a few more: its distinctive phrase (wording varies between app versions and between pt-BR and pt-PT). iOS writes
 * it under the contact's or group's name, after a U+200E, so it is told from a participant quoting it by that mark.
 */
const ENCRYPTION_NOTICE = [
  /^messages and calls are end-to-end encrypted/i, // en
  /^nachrichten und anrufe sind ende-zu-ende-verschlüsselt/i, // de
  /^los mensajes y (las )?llamadas están cifrad[oa]s de extremo a extremo/i, // es
  /^les messages et (les )?appels sont chiffrés de bout en bout/i, // fr
  /^as mensagens e (as )?(chamadas|ligações) .*\bponta a ponta\b/i, // pt-BR, pt-PT
  /^berichten en (oproepen|gesprekken) (worden|zijn) end-to-end versleuteld/i, // nl
  /^i messaggi e le chiamate sono crittografati end-to-end/i, // it
  /^сообщения и звонки защищены сквозным шифрованием/i, // ru
  /^mesajlar ve aramalar uçtan uca şifrelidir/i, // tr
];

/** Notices iOS writes under the group's name (with a U+200E before the text). */
const IOS_SYSTEM = [
  ...ENCRYPTION_NOTICE,
  /^messages to this (group|chat) are now secured/i,
  /\bcreated (the )?group\b/i,
  /\b(added|removed)\b/i,
  /\bleft$/i,
  /\bjoined using this group's invite link$/i,
  /\bchanged (the subject|this group's icon|the group description|their phone number|the group settings)/i,
  /\bsecurity code\b.*\bchanged\b/i,
  /\bdeleted this group's icon$/i,
  /^(missed )?(voice|video) call/i,
  /\bnow an admin$/i,
  /^disappearing messages/i,
];

interface RawMessage extends DateFields {
  line: number;
  date: string;
  /** The header line's text after the date, direction marks still in. */
  body: string;
  continuation: string[];
}

/** Split a whole string into lines lazily (for callers that already hold the text, e.g. tests). */
export function* splitLines(text: string): Generator<string> {
  let start = 0;
  while (start <= text.length) {
    const end = text.indexOf('\n', start);
    if (end === -1) {
      if (start < text.length) {
        yield text.slice(start);
      }
      return;
    }
    yield text.slice(start, end);
    start = end + 1;
  }
}

/** The order of day and month in a locale's numeric date (year-first locales count as month-first). */
export function dateOrderForLocale(locale: string): DateOrder {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'numeric', year: 'numeric' }).formatToParts(
      new Date(Date.UTC(2023, 11, 31)),
    );
  } catch {
    throw new ChatImportError(ChatImportErrorCode.InvalidOption, `unknown locale "${locale}"`);
  }
  const day = parts.findIndex((part) => part.type === 'day');
  const month = parts.findIndex((part) => part.type === 'month');
  return day < month ? 'DMY' : 'MDY';
}

/**
 * The order of day and month for a profile locale, or null when it says nothing: a locale with a region, or a bare
 * language other than English, gives its short date's order (`dateOrderForLocale`); a bare `en` (the default of
 * every account, so no evidence of a country) gives MDY for a 12-hour export (AM/PM is the US habit) and nothing
 * for a 24-hour one. A tag `Intl` refuses says nothing either.
 */
export function localeDateOrder(locale: string, twelveHour: boolean): DateOrder | null {
  if (/^en$/i.test(locale)) {
    return twelveHour ? 'MDY' : null;
  }
  try {
    return dateOrderForLocale(locale);
  } catch {
    return null;
  }
}

/** A wrong day/month order must make the messages jump at least this many times more than the right one. */
const SEQUENCE_RATIO = 4;

/**
 * Sequence evidence for messages whose every day and month is ≤ 12: an export is in time order, so the right
 * reading moves forward in small steps, while the wrong one turns each change of day into a jump of months (and
 * back). Scores each order by its total absolute jump between consecutive messages (a jump back counts, and so
 * does the jump forward again); an order wins when its total is at most a quarter of the other's. Null when there
 * are fewer than two distinct dates, or neither order clearly wins (e.g. only the same day in several months).
 */
export function sequenceDateOrder(messages: ReadonlyArray<DateFields>): DateOrder | null {
  const dmy = totalJump(messages, 'DMY');
  const mdy = totalJump(messages, 'MDY');
  if (dmy === mdy) {
    return null;
  }
  if (dmy * SEQUENCE_RATIO <= mdy) {
    return 'DMY';
  }
  return mdy * SEQUENCE_RATIO <= dmy ? 'MDY' : null;
}

/** What `sequenceDateOrder` reads of a message line: its date fields in file order, and its time. */
export interface DateFields {
  first: number;
  second: number;
  third: number;
  yearFirst: boolean;
  twoDigitYear: boolean;
  hour: number;
  minute: number;
  second_: number;
  meridiem?: 'a' | 'p';
}

function totalJump(messages: ReadonlyArray<DateFields>, order: DateOrder): number {
  let total = 0;
  let previous: number | null = null;
  for (const raw of messages) {
    const t = raw.yearFirst ? null : wallClock(raw, order);
    if (!t) {
      continue;
    }
    const at = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
    if (previous !== null) {
      total += Math.abs(at - previous);
    }
    previous = at;
  }
  return total;
}

/**
 * Streams a WhatsApp "Export chat" `.txt` (without or with media) and yields one entry per message; the
 * generator's return value is the summary (stats, lenient-mode warnings, the date order used).
 *
 * The input is read line by line and never held whole. Entries are held back only until the day/month order is
 * known (at most `dateOrderWindow` messages). See README.md next to this file for the recognised formats.
 */
export async function* streamWhatsApp(
  input: WhatsAppInput,
  options: WhatsAppParseOptions = {},
): AsyncGenerator<WhatsAppEntry, WhatsAppSummary, undefined> {
  const clock = new ZonedClock(options.timeZone ?? 'UTC');
  const problems = new ProblemCollector(options.lenient ?? false, options.maxWarnings ?? DEFAULT_MAX_WARNINGS);
  const window = Math.max(1, options.dateOrderWindow ?? DEFAULT_DATE_ORDER_WINDOW);
  const stats = new StatsCollector();
  let decision: WhatsAppDateOrderDecision | null = options.forceDateOrder
    ? { order: options.forceDateOrder, decidedBy: 'forced' }
    : null;
  let ambiguousSeen = false;
  let pending: RawMessage[] = [];
  let dayMonthSeen = false;
  let current: RawMessage | null = null;
  let lineNo = 0;

  /** Nothing in the window had a field > 12: the sequence of the held-back messages, then the options. */
  const fallback = (): WhatsAppDateOrderDecision => {
    const bySequence = sequenceDateOrder(pending);
    if (bySequence) {
      return { order: bySequence, decidedBy: 'sequence' };
    }
    if (options.dateOrder) {
      return { order: options.dateOrder, decidedBy: 'option' };
    }
    const byLocale = options.locale
      ? localeDateOrder(
          options.locale,
          pending.some((raw) => raw.meridiem !== undefined),
        )
      : null;
    if (byLocale) {
      return { order: byLocale, decidedBy: 'locale' };
    }
    return { order: 'DMY', decidedBy: 'default' };
  };

  /** Entries ready to be yielded (filled by `complete` / `flush`, emptied after every line). */
  const ready: WhatsAppEntry[] = [];
  const emit = (raw: RawMessage): void => {
    const entry = toEntry(raw, decision?.order ?? 'DMY', clock, problems);
    if (entry) {
      stats.add(entry);
      ready.push(entry);
    }
  };
  const flush = (): void => {
    for (const raw of pending) {
      emit(raw);
    }
    pending = [];
  };
  const complete = (raw: RawMessage): void => {
    if (decision || raw.yearFirst) {
      if (pending.length === 0) {
        emit(raw);
      } else {
        pending.push(raw);
      }
      return;
    }
    ambiguousSeen = true;
    pending.push(raw);
    if (pending.length >= window) {
      decision = fallback();
      flush();
    }
  };

  try {
    for await (const rawLine of toLines(input)) {
      lineNo += 1;
      const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
      const raw = matchHeader(line.replace(LEADING_MARKS, ''), lineNo);
      if (raw) {
        if (current) {
          complete(current);
        }
        current = raw;
        dayMonthSeen ||= !raw.yearFirst;
        if (!decision && !raw.yearFirst) {
          if (raw.first > 12) {
            decision = { order: 'DMY', decidedBy: 'file', line: lineNo };
          } else if (raw.second > 12) {
            decision = { order: 'MDY', decidedBy: 'file', line: lineNo };
          }
          if (decision) {
            flush();
          }
        }
      } else if (current) {
        current.continuation.push(line);
      } else if (line.replace(MARKS, '').trim() !== '') {
        problems.report(`line ${lineNo}: not a message line and no message before it to continue`, { line: lineNo });
      }
      for (const entry of ready) {
        yield entry;
      }
      ready.length = 0;
    }
  } finally {
    // A stream is ours once given: release it (and its file descriptor) on errors and early stops too.
    if (input instanceof Readable) {
      input.destroy();
    }
  }
  if (current) {
    complete(current);
  }
  if (!decision && ambiguousSeen) {
    decision = fallback();
  }
  flush();
  for (const entry of ready) {
    yield entry;
  }

  const summary: WhatsAppSummary = {
    stats: stats.result(),
    warnings: problems.warnings,
    dateOrder: dayMonthSeen ? decision : null,
    lines: lineNo,
  };
  if (summary.stats.messages === 0) {
    throw new ChatImportError(
      ChatImportErrorCode.Empty,
      lineNo === 0 ? 'the file is empty' : `no WhatsApp message found in ${lineNo} lines`,
    );
  }
  return summary;
}

/** Parses a whole WhatsApp export (still reading it as a stream) into entries, stats and warnings. */
export async function parseWhatsApp(input: WhatsAppInput, options: WhatsAppParseOptions = {}): Promise<WhatsAppResult> {
  const entries: WhatsAppEntry[] = [];
  const stream = streamWhatsApp(input, options);
  for (;;) {
    const next = await stream.next();
    if (next.done) {
      return { entries, ...next.value };
    }
    entries.push(next.value);
  }
}

function toLines(input: WhatsAppInput): AsyncIterable<string> | Iterable<string> {
  return input instanceof Readable ? createInterface({ input, crlfDelay: Infinity }) : input;
}

function matchHeader(line: string, lineNo: number): RawMessage | null {
  const m = ANDROID_HEADER.exec(line) ?? IOS_HEADER.exec(line);
  if (!m) {
    return null;
  }
  const [, a, sep, b, c, hour, minute, second, meridiem, body] = m;
  const yearFirst = a.length > 2;
  if (!yearFirst && c.length !== 2 && c.length !== 4) {
    return null;
  }
  return {
    line: lineNo,
    first: Number(a),
    second: Number(b),
    third: Number(c),
    yearFirst,
    twoDigitYear: (yearFirst ? a : c).length === 2,
    date: `${a}${sep}${b}${sep}${c}`,
    hour: Number(hour),
    minute: Number(minute),
    second_: second === undefined ? 0 : Number(second),
    meridiem: meridiem === undefined ? undefined : meridiem.toLowerCase() === 'p' ? 'p' : 'a',
    body,
    continuation: [],
  };
}

function wallClock(raw: DateFields, order: DateOrder): WallClock | null {
  let year: number;
  let month: number;
  let day: number;
  if (raw.yearFirst) {
    [year, month, day] = [raw.first, raw.second, raw.third];
  } else if (order === 'DMY') {
    [day, month, year] = [raw.first, raw.second, raw.third];
  } else {
    [month, day, year] = [raw.first, raw.second, raw.third];
  }
  if (raw.twoDigitYear) {
    year += 2000;
  }
  let hour = raw.hour;
  if (raw.meridiem) {
    if (hour > 12) {
      return null;
    }
    hour = (hour % 12) + (raw.meridiem === 'p' ? 12 : 0);
  }
  const t: WallClock = { year, month, day, hour, minute: raw.minute, second: raw.second_ };
  return isValidWallClock(t) ? t : null;
}

function toEntry(
  raw: RawMessage,
  order: DateOrder,
  clock: ZonedClock,
  problems: ProblemCollector,
): WhatsAppEntry | null {
  const t = wallClock(raw, order);
  if (!t) {
    const how = raw.yearFirst ? 'year-first' : order === 'DMY' ? 'day-first' : 'month-first';
    problems.report(
      `line ${raw.line}: "${raw.date}" at ${raw.hour}:${pad(raw.minute)} is not a valid ${how} date and time`,
      {
        line: raw.line,
      },
    );
    return null;
  }
  const sentAt = clock.toDate(t);
  const rest = raw.continuation.join('\n').replace(MARKS, '');
  // Built as literals with one shape (no object spread): this runs once per message.
  const split = splitAuthor(raw.body);
  if (!split) {
    const text = joinText(raw.body.replace(MARKS, '').trim(), rest);
    return { line: raw.line, sentAt, author: null, kind: 'system', text };
  }
  const { author, text: firstLine, marked } = split;
  if (raw.continuation.length === 0 && DELETED.some((re) => re.test(firstLine))) {
    return { line: raw.line, sentAt, author, kind: 'deleted', text: firstLine };
  }
  const media = matchMedia(firstLine);
  if (media) {
    const text = joinText(media.caption, rest).trim();
    return { line: raw.line, sentAt, author, kind: 'media', text, media: media.media };
  }
  const text = joinText(firstLine, rest);
  if (marked && IOS_SYSTEM.some((re) => re.test(firstLine))) {
    return { line: raw.line, sentAt, author: null, kind: 'system', text };
  }
  // Cheap check first: the unanchored, case-insensitive marker pattern is slow on every line.
  const edited = text.endsWith('>') ? EDITED.exec(text) : null;
  if (edited) {
    return { line: raw.line, sentAt, author, kind: 'text', text: text.slice(0, edited.index), edited: true };
  }
  return { line: raw.line, sentAt, author, kind: 'text', text };
}

/** `Name: text` → author and text; `null` for notices without an author (Android system lines). */
function splitAuthor(body: string): { author: string; text: string; marked: boolean } | null {
  const at = body.indexOf(': ');
  if (at <= 0) {
    return null;
  }
  const author = body.slice(0, at).replace(MARKS, '').trim();
  // A quote before the colon means a notice quoting a subject (`Ann changed the subject to "Trip: 2024"`).
  if (author === '' || /["“”«»]/.test(author)) {
    return null;
  }
  const after = body.slice(at + 2);
  return { author, text: after.replace(MARKS, '').trim(), marked: after.startsWith('\u200E') };
}

function joinText(first: string, rest: string): string {
  const text = rest === '' ? first : `${first}\n${rest}`;
  return text.replace(/\s+$/, '');
}

function matchMedia(text: string): { media: ChatImportMedia; caption: string } | null {
  if (MEDIA_OMITTED.test(text)) {
    return { media: {}, caption: '' };
  }
  let m = IOS_OMITTED.exec(text);
  if (m) {
    const filename = m[1]?.trim();
    return { media: { ...(filename ? { filename } : {}), type: typeOfKeyword(m[2]) }, caption: '' };
  }
  m = IOS_ATTACHED.exec(text) ?? ANDROID_ATTACHED.exec(text);
  if (m) {
    const filename = m[1].trim();
    return { media: { filename, type: typeOfFile(filename) }, caption: '' };
  }
  return null;
}

function typeOfKeyword(keyword: string): ChatImportMediaType {
  const k = keyword.toLowerCase();
  return k === 'contact card' ? 'contact' : (k as ChatImportMediaType);
}

function typeOfFile(filename: string): ChatImportMediaType {
  const name = filename.toUpperCase();
  const ext = name.slice(name.lastIndexOf('.') + 1);
  if (name.includes('PTT-') || ext === 'OPUS') {
    return 'voice';
  }
  if (name.includes('STK-') || name.includes('-STICKER-') || ext === 'WEBP') {
    return 'sticker';
  }
  if (name.includes('-GIF-') || ext === 'GIF') {
    return 'gif';
  }
  if (name.includes('IMG-') || name.includes('-PHOTO-') || ['JPG', 'JPEG', 'PNG', 'HEIC'].includes(ext)) {
    return 'image';
  }
  if (name.includes('VID-') || name.includes('-VIDEO-') || ['MP4', 'MOV', '3GP'].includes(ext)) {
    return 'video';
  }
  if (name.includes('AUD-') || name.includes('-AUDIO-') || ['M4A', 'MP3', 'AAC', 'OGG'].includes(ext)) {
    return 'audio';
  }
  return ext === 'VCF' ? 'contact' : 'document';
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
