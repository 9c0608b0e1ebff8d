import { ChatImportError } from './chat-import.errors';
import { ZonedClock, isValidWallClock } from './wall-clock';

const at = (year: number, month: number, day: number, hour: number, minute = 0, second = 0) => ({
  year,
  month,
  day,
  hour,
  minute,
  second,
});

describe(ZonedClock.name, () => {
  it('should read UTC wall-clock times as they are', () => {
    expect(new ZonedClock().toDate(at(2023, 12, 31, 21, 41, 5)).toISOString()).toBe('2023-12-31T21:41:05.000Z');
  });

  it.each([
    ['Europe/Berlin', at(2024, 1, 15, 12), '2024-01-15T11:00:00.000Z'],
    ['Europe/Berlin', at(2024, 7, 15, 12), '2024-07-15T10:00:00.000Z'],
    ['Europe/Berlin', at(2024, 3, 31, 1, 30), '2024-03-31T00:30:00.000Z'],
    ['Europe/Berlin', at(2024, 3, 31, 3, 30), '2024-03-31T01:30:00.000Z'],
    ['America/New_York', at(2024, 3, 10, 1, 30), '2024-03-10T06:30:00.000Z'],
    ['America/New_York', at(2024, 3, 10, 3, 30), '2024-03-10T07:30:00.000Z'],
    ['Asia/Kolkata', at(2024, 1, 1, 0, 0), '2023-12-31T18:30:00.000Z'],
  ])('should convert %s %j to UTC', (zone, time, expected) => {
    expect(new ZonedClock(zone).toDate(time).toISOString()).toBe(expected);
  });

  it('should move a time skipped by a DST jump forward by the jump', () => {
    expect(new ZonedClock('Europe/Berlin').toDate(at(2024, 3, 31, 2, 30)).toISOString()).toBe(
      '2024-03-31T01:30:00.000Z',
    );
    expect(new ZonedClock('America/New_York').toDate(at(2024, 3, 10, 2, 30)).toISOString()).toBe(
      '2024-03-10T07:30:00.000Z',
    );
  });

  it('should give a repeated hour its first occurrence', () => {
    expect(new ZonedClock('Europe/Berlin').toDate(at(2024, 10, 27, 2, 30)).toISOString()).toBe(
      '2024-10-27T00:30:00.000Z',
    );
  });

  it('should refuse an unknown zone', () => {
    expect(() => new ZonedClock('Nowhere/Atlantis')).toThrow(ChatImportError);
  });
});

describe(isValidWallClock.name, () => {
  it('should know the length of months and leap years', () => {
    expect(isValidWallClock(at(2024, 2, 29, 0))).toBe(true);
    expect(isValidWallClock(at(2023, 2, 29, 0))).toBe(false);
    expect(isValidWallClock(at(2023, 4, 31, 0))).toBe(false);
    expect(isValidWallClock(at(2023, 13, 1, 0))).toBe(false);
    expect(isValidWallClock(at(2023, 1, 1, 24))).toBe(false);
  });
});
