/** At most this many distinct handles of one message are looked up; the rest are plain text. */
export const MAX_MENTIONS = 50;

/**
 * `@handle` tokens: an `@` not preceded by a character that could belong to an email address or a word, then a
 * username (see USERNAME_PATTERN: 3–32 of a-z, 0-9, `.`, `_`, `-`, starting with a letter or digit), matched
 * case-insensitively.
 */
const MENTION = /(?<![\w.%+@-])@([a-z0-9][a-z0-9._-]{2,31})(?![a-z0-9._-])/gi;
const TRAILING_PUNCTUATION = /[._-]+$/;

/**
 * The lower-cased usernames a message body mentions, each once, in order of first appearance. A handle followed by
 * sentence punctuation ("thanks @ada.") also yields the handle without it, since a username may itself end in
 * `.`, `_` or `-`: the caller keeps whichever names an existing user.
 */
export function parseMentions(body: string): string[] {
  const found = new Set<string>();
  for (const match of body.matchAll(MENTION)) {
    const handle = match[1].toLowerCase();
    found.add(handle);
    const trimmed = handle.replace(TRAILING_PUNCTUATION, '');
    if (trimmed !== handle && trimmed.length >= 3) {
      found.add(trimmed);
    }
    if (found.size >= MAX_MENTIONS) {
      break;
    }
  }
  return [...found].slice(0, MAX_MENTIONS);
}

/** Recipients of mention notifications: mentioned members, minus the author and those already notified. */
export function mentionRecipients(
  mentionedIds: readonly string[],
  authorId: string,
  alreadyNotified: readonly string[],
): string[] {
  const skip = new Set([authorId, ...alreadyNotified]);
  return [...new Set(mentionedIds)].filter((id) => !skip.has(id));
}
