import { ChatImportError, ChatImportErrorCode } from './chat-import.errors';

/** A local date and time as written in an export, without a zone. Months are 1-based. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function isValidWallClock(t: WallClock): boolean {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.hour > 23 || t.minute > 59 || t.second > 59) {
    return false;
  }
  const daysInMonth = new Date(Date.UTC(t.year, t.month, 0)).getUTCDate();
  return t.day <= daysInMonth;
}

/**
 * Turns wall-clock times of one IANA time zone into instants. Uses `Intl` (no dependency): the zone's offset is
 * read at the naive UTC guess and once more at the corrected instant, so times next to a DST change land right; a
 * time skipped by a DST jump moves forward by the jump, a repeated hour takes its first occurrence.
 */
export class ZonedClock {
  private readonly format?: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(readonly timeZone = 'UTC') {
    if (timeZone === 'UTC' || timeZone === 'Etc/UTC') {
      return;
    }
    try {
      this.format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new ChatImportError(ChatImportErrorCode.InvalidOption, `unknown time zone "${timeZone}"`);
    }
  }

  toDate(t: WallClock): Date {
    const naive = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
    if (!this.format) {
      return new Date(naive);
    }
    const first = naive - this.offsetAt(naive);
    const second = naive - this.offsetAt(first);
    return new Date(first === second ? first : Math.max(first, second));
  }

  /** Offset (ms, local − UTC) of the zone at an instant; cached per quarter hour. */
  private offsetAt(instant: number): number {
    const key = Math.floor(instant / 900_000);
    const cached = this.offsets.get(key);
    if (cached !== undefined) {
      return cached;
    }
    const parts: Record<string, number> = {};
    for (const part of this.format!.formatToParts(new Date(key * 900_000))) {
      if (part.type !== 'literal') {
        parts[part.type] = Number(part.value);
      }
    }
    const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
    const offset = local - key * 900_000;
    this.offsets.set(key, offset);
    return offset;
  }
}
