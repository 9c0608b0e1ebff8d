import { csvLine } from './contact-rows';

describe('csvLine', () => {
  it('quotes fields with quotes, commas or line breaks (RFC 4180)', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', ''])).toBe('plain,"a,b","say ""hi""","two\nlines",');
  });

  it('defuses what a spreadsheet would run as a formula', () => {
    expect(csvLine(['=HYPERLINK("x")', '+1', '-2', '@SUM(A1)', 'a=b'])).toBe(
      `"'=HYPERLINK(""x"")",'+1,'-2,'@SUM(A1),a=b`,
    );
  });
});
