import { MAX_MENTIONS, mentionRecipients, parseMentions } from './chat-mentions';

describe(parseMentions.name, () => {
  it('should find handles, lower-cased, once each, in order', () => {
    expect(parseMentions('@Bob and @carol, then @bob again')).toEqual(['bob', 'carol']);
  });

  it('should match at the start, after spaces, brackets and punctuation', () => {
    expect(parseMentions('(@ann) hi,@bea\n@cid: ok')).toEqual(['ann', 'bea', 'cid']);
  });

  it('should ignore email addresses and @ inside words', () => {
    expect(parseMentions('mail ada@example.com or foo@bar, x@@dan')).toEqual([]);
  });

  it('should ignore handles shorter than 3 or longer than 32 characters', () => {
    expect(parseMentions(`@ab @${'a'.repeat(33)} @abc`)).toEqual(['abc']);
  });

  it('should offer the handle without trailing sentence punctuation too', () => {
    expect(parseMentions('thanks @ada.')).toEqual(['ada.', 'ada']);
    expect(parseMentions('ping @user-1_x.y')).toEqual(['user-1_x.y']);
  });

  it('should not start a handle with punctuation', () => {
    expect(parseMentions('@.hidden @_x_y')).toEqual([]);
  });

  it(`should stop after ${MAX_MENTIONS} handles`, () => {
    const body = Array.from({ length: 80 }, (_, i) => `@user${i}`).join(' ');
    expect(parseMentions(body)).toHaveLength(MAX_MENTIONS);
  });
});

describe(mentionRecipients.name, () => {
  it('should drop the author, duplicates and users already notified', () => {
    expect(mentionRecipients(['a', 'b', 'b', 'c', 'd'], 'a', ['c'])).toEqual(['b', 'd']);
  });
});
