import { ChatImportError, ChatImportErrorCode } from './chat-import.errors';

const DAY = 86_400_000;

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
 * Turns wall-clock times of one IANA time zone into instants, with `Intl` (no dependency). The zone's offsets a day
 * before and a day after are the only candidates (zones change offset at most once a day); the instant whose own
 * offset gives back the wall-clock time wins. A time repeated when clocks go back takes its first occurrence; a time
 * skipped when they go forward moves forward by the jump (02:30 → 03:30).
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
    const candidates = [naive - this.offsetAt(naive - DAY), naive - this.offsetAt(naive + DAY)];
    const consistent = candidates.filter((instant) => instant + this.offsetAt(instant) === naive);
    return new Date(consistent.length > 0 ? Math.min(...consistent) : Math.max(...candidates));
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
