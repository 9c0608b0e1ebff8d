import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { eventually } from './test-app';

/** Waits for a mail to `to` in a local outbox whose text matches `pattern`, and returns the first group. */
export async function tokenFromOutbox(dir: string, to: string, pattern: RegExp): Promise<string> {
  return eventually(
    async () => {
      for (const file of readdirSync(dir)
        .filter((name) => name.endsWith('.eml'))
        .sort()
        .reverse()) {
        const mail = await simpleParser(readFileSync(join(dir, file)));
        const recipient = mail.to && !Array.isArray(mail.to) ? mail.to.text : '';
        const match = recipient === to ? pattern.exec(mail.text ?? '') : null;
        if (match) {
          return match[1];
        }
      }
      return undefined;
    },
    10_000,
    `a mail to ${to}`,
  );
}
