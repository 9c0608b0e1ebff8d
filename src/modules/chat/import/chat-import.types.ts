import type { ChatImportWarning } from './chat-import.errors';

export type ChatImportEntryKind = 'text' | 'system' | 'media' | 'deleted';

export type ChatImportMediaType = 'image' | 'video' | 'audio' | 'voice' | 'sticker' | 'gif' | 'document' | 'contact';

export interface ChatImportMedia {
  /** The file name when the export names one (`IMG-20231231-WA0003.jpg`, `photos/photo_1.jpg` → `photo_1.jpg`). */
  filename?: string;
  /** What the placeholder or file says it is, when it says. */
  type?: ChatImportMediaType;
}

/** One message of an imported chat, the same shape for every platform. */
export interface ChatImportEntry {
  /** When it was sent, as an instant (UTC). */
  sentAt: Date;
  /** Display name of the sender; `null` for system entries. */
  author: string | null;
  kind: ChatImportEntryKind;
  /** Plain text: the message, a media caption ('' when none) or the system notice. */
  text: string;
  media?: ChatImportMedia;
}

export interface ChatImportStats {
  /** Entries produced. */
  messages: number;
  byKind: Record<ChatImportEntryKind, number>;
  /** Distinct authors, in order of first appearance. */
  participants: string[];
  first: Date | null;
  last: Date | null;
}

export interface ChatImportResult<E extends ChatImportEntry> {
  entries: E[];
  stats: ChatImportStats;
  /** Problems skipped in lenient mode (always empty in strict mode). */
  warnings: ChatImportWarning[];
}

export interface LenientOptions {
  /** Skip bad lines / entries and report them as warnings instead of throwing (default false). */
  lenient?: boolean;
  /** Lenient mode gives up (throws `CHAT_IMPORT_TOO_MANY_PROBLEMS`) after this many warnings (default 100). */
  maxWarnings?: number;
}

export const DEFAULT_MAX_WARNINGS = 100;

/** Accumulates `ChatImportStats` as entries stream by. */
export class StatsCollector {
  private readonly stats: ChatImportStats = {
    messages: 0,
    byKind: { text: 0, system: 0, media: 0, deleted: 0 },
    participants: [],
    first: null,
    last: null,
  };
  private readonly seen = new Set<string>();

  add(entry: ChatImportEntry): void {
    this.stats.messages += 1;
    this.stats.byKind[entry.kind] += 1;
    if (entry.author !== null && !this.seen.has(entry.author)) {
      this.seen.add(entry.author);
      this.stats.participants.push(entry.author);
    }
    const time = entry.sentAt.getTime();
    if (this.stats.first === null || time < this.stats.first.getTime()) {
      this.stats.first = entry.sentAt;
    }
    if (this.stats.last === null || time > this.stats.last.getTime()) {
      this.stats.last = entry.sentAt;
    }
  }

  result(): ChatImportStats {
    return { ...this.stats, byKind: { ...this.stats.byKind }, participants: [...this.stats.participants] };
  }
}
