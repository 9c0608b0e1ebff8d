const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `0`, `250ms`, `5s`, `30m`, `2h`, `5d`. */
export const DURATION = /^(\d+)(ms|s|m|h|d)?$/;

/** A comma-separated list of durations, e.g. `0,5s,5m,30m,2h`. */
export const DURATION_LIST = /^\s*\d+(ms|s|m|h|d)?(\s*,\s*\d+(ms|s|m|h|d)?)*\s*$/;

/** Milliseconds of a duration written as in `DURATION`; throws on anything else. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) {
    throw new Error(`not a duration: ${text}`);
  }
  return Number(match[1]) * UNITS[match[2] ?? 'ms'];
}

export function parseDurationList(text: string): number[] {
  return text.split(',').map(parseDuration);
}

/** The largest whole unit of a duration: `5d`, `30m`, `1500ms`. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNITS[unit] && ms % UNITS[unit] === 0) {
      return `${ms / UNITS[unit]}${unit}`;
    }
  }
  return `${ms}ms`;
}
