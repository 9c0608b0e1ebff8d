import { isoTimestamp } from './select-rows';

describe('isoTimestamp', () => {
  it.each([
    ['2026-12-07 20:12:37.123456+00', '2026-12-07T20:12:37.123Z'],
    ['2026-12-07 20:12:37.1+00', '2026-12-07T20:12:37.100Z'],
    ['2026-12-07 20:12:37+00', '2026-12-07T20:12:37.000Z'],
    ['2026-12-07 21:12:37.5+01', '2026-12-07T20:12:37.500Z'],
    ['2026-12-07T20:12:37.123Z', '2026-12-07T20:12:37.123Z'],
  ])('%s → %s, as new Date(value).toISOString() gives', (value, iso) => {
    expect(isoTimestamp(value)).toBe(iso);
    expect(isoTimestamp(value)).toBe(new Date(value).toISOString());
  });

  it('passes a Date through toISOString', () => {
    expect(isoTimestamp(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
  });
});
