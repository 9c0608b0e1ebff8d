import { pgArray } from './pg-array';

describe('pgArray', () => {
  it('quotes every element and escapes quotes and backslashes', () => {
    expect(pgArray([])).toBe('{}');
    expect(pgArray(['vip', 'a,b', 'say "hi"', 'back\\slash', 'NULL'])).toBe(
      '{"vip","a,b","say \\"hi\\"","back\\\\slash","NULL"}',
    );
  });
});
