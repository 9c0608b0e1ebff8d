import { parseIsoDateTime } from './iso-date-time.decorator';

describe(parseIsoDateTime.name, () => {
  it('should accept dates and date-times with years 0001 to 9999', () => {
    expect(parseIsoDateTime('2024-02-29')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseIsoDateTime('2024-05-01T10:20:30.123+02:00')?.toISOString()).toBe('2024-05-01T08:20:30.123Z');
    expect(parseIsoDateTime('0001-01-01T00:00:00Z')?.getUTCFullYear()).toBe(1);
    expect(parseIsoDateTime('9999-12-31T23:59:59Z')?.getUTCFullYear()).toBe(9999);
  });

  it.each([
    '-000001-01-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:00:00-02:00',
    '2023-02-29',
    '2024-13-01',
    '2024-01-01T24:00:00Z',
    'tomorrow',
    '1700000000000',
  ])('should refuse %s', (value) => {
    expect(parseIsoDateTime(value)).toBeUndefined();
  });
});
