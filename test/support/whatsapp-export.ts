/**
 * A generated Android WhatsApp export (used by the parser's unit tests and the import e2e test): `blocks` blocks of
 * a two-line text message, a media placeholder and a system notice, three hours apart from 1 Jan 2023 00:00
 * (day-first, 24 h, 4-digit years; the first day above 12 is 13 Jan, block 96, line 385). 5 000 blocks are 20 000
 * lines and 15 000 messages.
 */
export const BIG_EXPORT_STEP = 3 * 3_600_000;

export const BIG_EXPORT_AUTHORS = ['Ana 🌻', 'Ben', 'Chen Wei 陈伟', 'Dana'];

export function* bigWhatsAppExport(blocks = 5000): Generator<string> {
  const start = Date.UTC(2023, 0, 1);
  const two = (n: number) => String(n).padStart(2, '0');
  for (let i = 0; i < blocks; i += 1) {
    const t = new Date(start + i * BIG_EXPORT_STEP);
    const stamp = `${two(t.getUTCDate())}/${two(t.getUTCMonth() + 1)}/${t.getUTCFullYear()}, ${two(t.getUTCHours())}:${two(t.getUTCMinutes())}`;
    const name = BIG_EXPORT_AUTHORS[i % BIG_EXPORT_AUTHORS.length];
    yield `${stamp} - ${name}: message ${i} 💬\n`;
    yield `second line of ${i}\n`;
    yield `${stamp} - ${name}: <Media omitted>\n`;
    yield `${stamp} - ${name} changed their phone number to a new number. Tap to message or add the new number.\n`;
  }
}
