import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ChatImportError, ChatImportErrorCode } from './chat-import.errors';
import {
  localeDateOrder,
  parseWhatsApp,
  sequenceDateOrder,
  splitLines,
  streamWhatsApp,
  type WhatsAppParseOptions,
} from './whatsapp.parser';
// The generator is shared with the import e2e test, so it lives with the test support code.
// eslint-disable-next-line no-restricted-imports
import { BIG_EXPORT_STEP, bigWhatsAppExport } from '../../../../test/support/whatsapp-export';

const FIXTURES = join(__dirname, '../../../../test/fixtures/chat-imports');

function fixture(name: string): Readable {
  return createReadStream(join(FIXTURES, name));
}

function parseText(text: string, options?: WhatsAppParseOptions) {
  return parseWhatsApp(splitLines(text), options);
}

async function parseError(promise: Promise<unknown>): Promise<ChatImportError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChatImportError);
  return error as ChatImportError;
}

const iso = (date: Date) => date.toISOString();

const STEP = BIG_EXPORT_STEP;
const bigExport = bigWhatsAppExport;

describe(parseWhatsApp.name, () => {
  describe('formats', () => {
    it('should read an en-US Android export (12 h, month-first, U+202F before PM)', async () => {
      const sut = await parseWhatsApp(fixture('whatsapp-android-en-us.txt'));

      expect(sut.stats.messages).toBe(13);
      expect(sut.stats.byKind).toEqual({ text: 5, system: 5, media: 2, deleted: 1 });
      expect(sut.stats.participants).toEqual(['Maria García', 'Tom', '+1 (555) 010-4477']);
      expect(sut.dateOrder).toEqual({ order: 'MDY', decidedBy: 'file', line: 1 });
      expect(sut.lines).toBe(17);
      expect(sut.warnings).toEqual([]);
      expect(sut.entries.map((e) => [e.line, e.kind, e.author])).toEqual([
        [1, 'system', null],
        [2, 'system', null],
        [3, 'system', null],
        [4, 'text', 'Maria García'],
        [5, 'text', 'Tom'],
        [8, 'text', '+1 (555) 010-4477'],
        [9, 'media', 'Tom'],
        [10, 'text', 'Maria García'],
        [11, 'deleted', 'Tom'],
        [12, 'media', 'Maria García'],
        [14, 'system', null],
        [15, 'system', null],
        [16, 'text', 'Tom'],
      ]);
      const [, created, added, hello, multi, , omitted, christmas, , attached, subject, , last] = sut.entries;
      expect(iso(hello.sentAt)).toBe('2023-12-24T18:05:00.000Z');
      expect(iso(christmas.sentAt)).toBe('2023-12-25T00:01:00.000Z');
      expect(iso(last.sentAt)).toBe('2024-01-02T08:30:00.000Z');
      expect(created.text).toBe('Maria García created group "Trip 🏔️ 2024"');
      expect(added.text).toBe('Maria García added Tom and +1 (555) 010-4477');
      expect(multi.text).toBe('Great idea\nCan we go in February?\nI have the week of the 12th off.');
      expect(omitted.media).toEqual({});
      expect(attached).toMatchObject({
        text: 'The cabin!',
        media: { filename: 'IMG-20231225-WA0003.jpg', type: 'image' },
      });
      expect(subject.text).toBe('Maria García changed the subject from "Trip 🏔️ 2024" to "Trip: Feb 12–18"');
      expect(last.text).toBe('Deposit paid: $240 💸');
    });

    it('should convert wall-clock times from the given time zone to UTC', async () => {
      const sut = await parseWhatsApp(fixture('whatsapp-android-en-us.txt'), { timeZone: 'America/New_York' });

      expect(iso(sut.entries[0].sentAt)).toBe('2023-12-24T23:02:00.000Z');
      expect(iso(sut.entries[12].sentAt)).toBe('2024-01-02T13:30:00.000Z');
    });

    it('should read an en-GB Android export with CRLF line ends (24 h, day-first, decided by a later line)', async () => {
      const sut = await parseWhatsApp(fixture('whatsapp-android-en-gb.txt'));

      expect(sut.stats).toMatchObject({ messages: 7, byKind: { text: 5, system: 1, media: 1, deleted: 0 } });
      expect(sut.stats.participants).toEqual(['Oliver', 'Chloé']);
      expect(sut.dateOrder).toEqual({ order: 'DMY', decidedBy: 'file', line: 5 });
      expect(iso(sut.entries[1].sentAt)).toBe('2024-01-03T07:45:00.000Z');
      expect(sut.entries[4]).toMatchObject({ line: 5, author: 'Chloé', text: 'Only just saw this, sorry\nNext week?' });
      expect(sut.entries.some((e) => e.text.includes('\r'))).toBe(false);
      expect(sut.entries[6]).toMatchObject({ line: 8, text: 'See you Tuesday\nat the usual place', edited: true });
      expect(sut.entries[1].edited).toBeUndefined();
    });

    it('should read a de-DE export with dots, 2-digit years, a BOM and German placeholders', async () => {
      const sut = await parseWhatsApp(fixture('whatsapp-android-de-de.txt'));

      expect(sut.stats).toMatchObject({ messages: 6, byKind: { text: 2, system: 1, media: 2, deleted: 1 } });
      expect(sut.stats.participants).toEqual(['Jürgen Weiß', 'Özlem']);
      expect(iso(sut.stats.first!)).toBe('2023-12-31T21:41:00.000Z');
      expect(iso(sut.stats.last!)).toBe('2024-01-01T10:15:00.000Z');
      expect(sut.entries[3]).toMatchObject({ kind: 'media', text: '', media: {} });
      expect(sut.entries[4]).toMatchObject({
        kind: 'media',
        text: 'Feuerwerk über dem Rhein',
        media: { filename: 'IMG-20240101-WA0001.jpg', type: 'image' },
      });
      expect(sut.entries[5]).toMatchObject({ kind: 'deleted', author: 'Jürgen Weiß' });
    });

    it('should read an iOS export: brackets, seconds, U+200E marks, notices under the group name', async () => {
      const sut = await parseWhatsApp(fixture('whatsapp-ios-en-gb.txt'));

      expect(sut.stats).toMatchObject({ messages: 10, byKind: { text: 2, system: 4, media: 3, deleted: 1 } });
      expect(sut.stats.participants).toEqual(['Aiko 山田', 'Sam']);
      expect(sut.entries.filter((e) => e.kind === 'system').map((e) => [e.author, e.text])).toEqual([
        [
          null,
          'Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.',
        ],
        [null, 'Aiko 山田 created group “Book Club 📚”'],
        [null, 'Aiko 山田 added Sam'],
        [null, 'Sam left'],
      ]);
      expect(sut.entries[3]).toMatchObject({
        line: 4,
        author: 'Aiko 山田',
        text: 'Next book ideas?\n1. Piranesi\n2. The Remains of the Day\n\nVote by Friday 🙏',
      });
      expect(iso(sut.entries[3].sentAt)).toBe('2024-02-14T19:21:44.000Z');
      expect(sut.entries.filter((e) => e.kind === 'media').map((e) => e.media)).toEqual([
        { type: 'image' },
        { filename: '00000012-PHOTO-2024-02-14-19-25-30.jpg', type: 'image' },
        { filename: 'Club rules.pdf', type: 'document' },
      ]);
      expect(sut.entries[7]).toMatchObject({ kind: 'deleted', author: 'Sam', text: 'This message was deleted.' });
    });

    it('should read a Spanish export with "p. m." / "a. m." and no-break spaces', async () => {
      const sut = await parseWhatsApp(fixture('whatsapp-android-es.txt'));

      expect(sut.stats).toMatchObject({ messages: 5, byKind: { text: 2, system: 1, media: 1, deleted: 1 } });
      expect(sut.stats.participants).toEqual(['Lucía Núñez', 'Andrés']);
      expect(sut.entries.map((e) => iso(e.sentAt))).toEqual([
        '2023-12-31T21:41:00.000Z',
        '2023-12-31T21:41:00.000Z',
        '2023-12-31T23:59:00.000Z',
        '2024-01-01T00:30:00.000Z',
        '2024-01-01T12:05:00.000Z',
      ]);
      expect(sut.entries[2].text).toBe('¡Igualmente!\nNos vemos el martes.');
    });

    it.each([
      ['12/31/23, 9:41 PM - Ann: hi', '2023-12-31T21:41:00.000Z'],
      ['12/31/23, 12:05 am - Ann: hi', '2023-12-31T00:05:00.000Z'],
      ['31/12/2023, 9:41\u202fp.m. - Ann: hi', '2023-12-31T21:41:00.000Z'],
      ['31.12.2023, 21:41 - Ann: hi', '2023-12-31T21:41:00.000Z'],
      ['31-12-23 21:41 - Ann: hi', '2023-12-31T21:41:00.000Z'],
      ['\u200e[12/31/23, 9:41:05\u202fPM] Ann: hi', '2023-12-31T21:41:05.000Z'],
      ['[31.12.23, 21:41:05] Ann: hi', '2023-12-31T21:41:05.000Z'],
      ['[31/12/2023, 9:41:05 a. m.] Ann: hi', '2023-12-31T09:41:05.000Z'],
    ])('should read the header %j', async (line, expected) => {
      const sut = await parseText(`${line}\n`);

      expect(sut.entries).toHaveLength(1);
      expect(sut.entries[0]).toMatchObject({ author: 'Ann', kind: 'text', text: 'hi' });
      expect(iso(sut.entries[0].sentAt)).toBe(expected);
    });

    it('should read year-first dates without needing a date order', async () => {
      const sut = await parseText('2024-03-05 14:07:09 - Kim: hej\n');

      expect(iso(sut.entries[0].sentAt)).toBe('2024-03-05T14:07:09.000Z');
      expect(sut.dateOrder).toBeNull();
    });
  });

  describe('date order', () => {
    const ambiguous = '01/02/2024, 10:00 - Ann: a\n03/04/2024, 10:00 - Bob: b\n';

    it('should fall back to day-first when nothing in the file tells', async () => {
      const sut = await parseText(ambiguous);

      expect(sut.dateOrder).toEqual({ order: 'DMY', decidedBy: 'default' });
      expect(iso(sut.entries[0].sentAt)).toBe('2024-02-01T10:00:00.000Z');
    });

    it('should use the dateOrder option, then the locale, when nothing in the file tells', async () => {
      const byOption = await parseText(ambiguous, { dateOrder: 'MDY', locale: 'de-DE' });
      const byLocale = await parseText(ambiguous, { locale: 'en-US' });

      expect(byOption.dateOrder).toEqual({ order: 'MDY', decidedBy: 'option' });
      expect(iso(byOption.entries[0].sentAt)).toBe('2024-01-02T10:00:00.000Z');
      expect(byLocale.dateOrder).toEqual({ order: 'MDY', decidedBy: 'locale' });
    });

    it('should let a day above 12 anywhere in the window override the option', async () => {
      const sut = await parseText(`${ambiguous}25/04/2024, 10:00 - Ann: c\n`, { dateOrder: 'MDY' });

      expect(sut.dateOrder).toEqual({ order: 'DMY', decidedBy: 'file', line: 3 });
      expect(iso(sut.entries[0].sentAt)).toBe('2024-02-01T10:00:00.000Z');
    });

    // An en-US export of four messages over four days, every day ≤ 12: nothing but the sequence tells.
    const usShort = [
      '1/2/24, 9:15 AM - Ann: Happy new year!',
      '1/2/24, 9:20 AM - Bob: You too',
      '1/3/24, 8:00 PM - Ann: Dinner on Friday?',
      '1/5/24, 7:30 PM - Bob: On my way',
    ].join('\n');

    it('should read month-first when the messages only follow each other that way (sequence)', async () => {
      const sut = await parseText(usShort);

      expect(sut.dateOrder).toEqual({ order: 'MDY', decidedBy: 'sequence' });
      expect(sut.entries.map((e) => iso(e.sentAt))).toEqual([
        '2024-01-02T09:15:00.000Z',
        '2024-01-02T09:20:00.000Z',
        '2024-01-03T20:00:00.000Z',
        '2024-01-05T19:30:00.000Z',
      ]);
    });

    it('should have misdated that export as 1 Feb – 1 May when read day-first (the old default)', async () => {
      const sut = await parseText(usShort, { forceDateOrder: 'DMY' });

      expect(sut.dateOrder).toEqual({ order: 'DMY', decidedBy: 'forced' });
      expect(sut.entries.map((e) => iso(e.sentAt).slice(0, 10))).toEqual([
        '2024-02-01',
        '2024-02-01',
        '2024-03-01',
        '2024-05-01',
      ]);
    });

    it('should read day-first by sequence even when the locale says month-first', async () => {
      const text = [
        '05/03/2024, 21:00 - Ann: a',
        '05/03/2024, 21:05 - Bob: b',
        '06/03/2024, 08:00 - Ann: c',
        '09/03/2024, 12:00 - Bob: d',
      ].join('\n');
      const sut = await parseText(text, { locale: 'en-US', dateOrder: 'MDY' });

      expect(sut.dateOrder).toEqual({ order: 'DMY', decidedBy: 'sequence' });
      expect(iso(sut.entries[3].sentAt)).toBe('2024-03-09T12:00:00.000Z');
    });

    it('should let a day above 12 beat the sequence', async () => {
      const sut = await parseText(`${usShort}\n1/13/24, 10:00 AM - Ann: later`);

      expect(sut.dateOrder).toEqual({ order: 'MDY', decidedBy: 'file', line: 5 });
    });

    it('should let forceDateOrder beat the file, and fail a line that is invalid in it', async () => {
      const ambiguousOnly = await parseText(ambiguous, { forceDateOrder: 'MDY', locale: 'de-DE' });
      const error = await parseError(parseText(`${ambiguous}25/04/2024, 10:00 - Ann: c\n`, { forceDateOrder: 'MDY' }));
      const yearFirst = await parseText('2024-03-05 14:07:09 - Kim: hej\n', { forceDateOrder: 'MDY' });

      expect(ambiguousOnly.dateOrder).toEqual({ order: 'MDY', decidedBy: 'forced' });
      expect(iso(ambiguousOnly.entries[0].sentAt)).toBe('2024-01-02T10:00:00.000Z');
      expect(error).toMatchObject({ code: ChatImportErrorCode.Malformed, line: 3 });
      expect(error.message).toBe('line 3: "25/04/2024" at 10:00 is not a valid month-first date and time');
      expect(yearFirst.dateOrder).toBeNull();
    });

    it('should read a bare "en" locale as month-first for a 12-hour export only', async () => {
      const twelve = await parseText('[1/2/24, 10:00:00 AM] Ann: hi\n', { locale: 'en' });
      const twentyFour = await parseText('01/02/2024, 10:00 - Ann: hi\n', { locale: 'en' });
      const british = await parseText('[1/2/24, 10:00:00 AM] Ann: hi\n', { locale: 'en-GB' });

      expect(twelve.dateOrder).toEqual({ order: 'MDY', decidedBy: 'locale' });
      expect(iso(twelve.entries[0].sentAt)).toBe('2024-01-02T10:00:00.000Z');
      expect(twentyFour.dateOrder).toEqual({ order: 'DMY', decidedBy: 'default' });
      expect(british.dateOrder).toEqual({ order: 'DMY', decidedBy: 'locale' });
    });

    it('should decide after the window and then refuse a contradicting line', async () => {
      const text = `${ambiguous}05/06/2024, 10:00 - Ann: c\n13/01/2024, 10:00 - Bob: d\n`;
      const error = await parseError(parseText(text, { dateOrder: 'MDY', dateOrderWindow: 2 }));

      expect(error.code).toBe(ChatImportErrorCode.Malformed);
      expect(error.line).toBe(4);
      expect(error.message).toBe('line 4: "13/01/2024" at 10:00 is not a valid month-first date and time');
    });
  });

  describe(sequenceDateOrder.name, () => {
    const at = (first: number, second: number, hour = 10) => ({
      first,
      second,
      third: 2024,
      yearFirst: false,
      twoDigitYear: false,
      hour,
      minute: 0,
      second_: 0,
    });

    it('should pick the order whose messages move forward in small steps', () => {
      expect(sequenceDateOrder([at(1, 2), at(1, 3), at(1, 5)])).toBe('MDY');
      expect(sequenceDateOrder([at(2, 1), at(3, 1), at(5, 1)])).toBe('DMY');
      // Forward in both readings, but 3 days against 3 months.
      expect(sequenceDateOrder([at(10, 1), at(11, 1), at(12, 1)])).toBe('DMY');
    });

    it('should tell nothing from one message, one date, or jumps of the same size', () => {
      expect(sequenceDateOrder([at(1, 2)])).toBeNull();
      expect(sequenceDateOrder([at(1, 2, 9), at(1, 2, 17), at(1, 2, 23)])).toBeNull();
      expect(sequenceDateOrder([at(4, 4), at(5, 5)])).toBeNull();
      expect(sequenceDateOrder([at(1, 2), at(3, 4)])).toBeNull();
    });
  });

  describe(localeDateOrder.name, () => {
    it('should follow a region, a non-English language, and ignore what Intl refuses', () => {
      expect(localeDateOrder('en-US', false)).toBe('MDY');
      expect(localeDateOrder('en-GB', true)).toBe('DMY');
      expect(localeDateOrder('pt-BR', true)).toBe('DMY');
      expect(localeDateOrder('de', false)).toBe('DMY');
      expect(localeDateOrder('en', true)).toBe('MDY');
      expect(localeDateOrder('en', false)).toBeNull();
      expect(localeDateOrder('not a locale', false)).toBeNull();
    });
  });

  describe('end-to-end-encryption notice', () => {
    it.each([
      [
        'en',
        'Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.',
      ],
      [
        'de',
        'Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses Chats kann sie lesen oder anhören, nicht einmal WhatsApp.',
      ],
      [
        'es',
        'Los mensajes y las llamadas están cifrados de extremo a extremo. Nadie fuera de este chat, ni siquiera WhatsApp, puede leerlos ni escucharlos.',
      ],
      [
        'fr',
        'Les messages et les appels sont chiffrés de bout en bout. Personne en dehors de cette discussion, pas même WhatsApp, ne peut les lire ou les écouter.',
      ],
      [
        'pt-BR',
        'As mensagens e ligações são protegidas com a criptografia de ponta a ponta. Ninguém fora desta conversa, nem mesmo o WhatsApp, pode ler ou ouvi-las.',
      ],
      [
        'pt-PT',
        'As mensagens e as chamadas estão encriptadas ponta a ponta. Ninguém fora desta conversa, nem mesmo o WhatsApp, as pode ler ou ouvir.',
      ],
      [
        'nl',
        'Berichten en oproepen worden end-to-end versleuteld. Niemand buiten deze chat, zelfs WhatsApp niet, kan ze lezen of beluisteren.',
      ],
      [
        'it',
        'I messaggi e le chiamate sono crittografati end-to-end. Nessuno al di fuori di questa chat, nemmeno WhatsApp, può leggerli o ascoltarli.',
      ],
      [
        'ru',
        'Сообщения и звонки защищены сквозным шифрованием. Никто за пределами этого чата, даже WhatsApp, не может их прочитать или прослушать.',
      ],
      [
        'tr',
        'Mesajlar ve aramalar uçtan uca şifrelidir. WhatsApp dahil olmak üzere bu sohbetin dışında bulunan hiç kimse bunları okuyamaz ve dinleyemez.',
      ],
    ])('should make the %s notice iOS attributes to the contact a system line', async (_language, notice) => {
      const sut = await parseText(`[1/2/24, 10:00:00] Ann: \u200e${notice}\n[1/2/24, 10:01:00] Bob: hi\n`);

      expect(sut.entries[0]).toMatchObject({ author: null, kind: 'system', text: notice });
      expect(sut.stats.participants).toEqual(['Bob']);
    });

    it('should keep the notice as text when a participant types it (no U+200E)', async () => {
      const sut = await parseText('[1/2/24, 10:00:00] Ann: Messages and calls are end-to-end encrypted, right?\n');

      expect(sut.entries[0]).toMatchObject({ author: 'Ann', kind: 'text' });
    });
  });

  describe('streaming', () => {
    it('should yield entries while the input is still being read', async () => {
      let read = 0;
      async function* lines(): AsyncGenerator<string> {
        for (let i = 1; i <= 10; i += 1) {
          read += 1;
          await Promise.resolve();
          yield `${12 + i}/01/2024, 10:00 - Ann: message ${i}`;
        }
      }

      const stream = streamWhatsApp(lines());
      const first = await stream.next();

      expect(first.value).toMatchObject({ line: 1, text: 'message 1' });
      expect(read).toBe(2);
    });

    it('should read a byte stream whose chunks split characters and lines', async () => {
      const bytes = readFileSync(join(FIXTURES, 'whatsapp-ios-en-gb.txt'));
      const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));

      const sut = await parseWhatsApp(Readable.from(chunks));
      const whole = await parseWhatsApp(fixture('whatsapp-ios-en-gb.txt'));

      expect(sut.entries).toEqual(whole.entries);
      expect(sut.stats.participants).toEqual(['Aiko 山田', 'Sam']);
    });

    it('should release the stream when parsing fails or the caller stops early', async () => {
      const failing = fixture('whatsapp-invalid-date.txt');
      const stopped = fixture('whatsapp-android-en-us.txt');

      await parseError(parseWhatsApp(failing));
      for await (const entry of streamWhatsApp(stopped)) {
        expect(entry.line).toBe(1);
        break;
      }

      expect(failing.destroyed).toBe(true);
      expect(stopped.destroyed).toBe(true);
    });

    it('should parse a generated 20 000-line export with exact counts', async () => {
      const sut = await parseWhatsApp(Readable.from(bigExport()));

      expect(sut.lines).toBe(20_000);
      expect(sut.stats.messages).toBe(15_000);
      expect(sut.stats.byKind).toEqual({ text: 5000, system: 5000, media: 5000, deleted: 0 });
      expect(sut.stats.participants).toEqual(['Ana 🌻', 'Ben', 'Chen Wei 陈伟', 'Dana']);
      expect(sut.dateOrder).toEqual({ order: 'DMY', decidedBy: 'file', line: 385 });
      expect(iso(sut.stats.first!)).toBe('2023-01-01T00:00:00.000Z');
      expect(iso(sut.stats.last!)).toBe(new Date(Date.UTC(2023, 0, 1) + 4999 * STEP).toISOString());
      expect(sut.entries[14_997]).toMatchObject({
        line: 19_997,
        author: 'Dana',
        text: 'message 4999 💬\nsecond line of 4999',
      });
    });
  });

  describe('errors', () => {
    it('should name the line of an impossible date', async () => {
      const error = await parseError(parseWhatsApp(fixture('whatsapp-invalid-date.txt')));

      expect(error.code).toBe(ChatImportErrorCode.Malformed);
      expect(error.line).toBe(4);
      expect(error.message).toMatch(/^line 4: "31\/02\/2023" at 10:00 is not a valid day-first date/);
    });

    it('should refuse text before the first message', async () => {
      const error = await parseError(parseText('\n\nHello there\n31/12/2023, 21:41 - Ann: hi\n'));

      expect(error.line).toBe(3);
      expect(error.message).toBe('line 3: not a message line and no message before it to continue');
    });

    it('should refuse a file that is not a WhatsApp export', async () => {
      const error = await parseError(parseText('{\n "name": "Family",\n "messages": []\n}\n'));

      expect(error).toMatchObject({ code: ChatImportErrorCode.Malformed, line: 1 });
    });

    it('should refuse an empty file', async () => {
      const error = await parseError(parseText(''));

      expect(error.code).toBe(ChatImportErrorCode.Empty);
    });

    it('should refuse an unknown time zone', async () => {
      const error = await parseError(parseText('31/12/2023, 21:41 - Ann: hi', { timeZone: 'Mars/Olympus' }));

      expect(error.code).toBe(ChatImportErrorCode.InvalidOption);
    });
  });

  describe('lenient mode', () => {
    const text = 'junk\n31/12/2023, 21:41 - Ann: hi\n31/02/2023, 21:42 - Bob: bad date\n31/12/2023, 21:43 - Bob: ok\n';

    it('should skip bad lines and report them as warnings', async () => {
      const sut = await parseText(text, { lenient: true });

      expect(sut.entries.map((e) => e.text)).toEqual(['hi', 'ok']);
      expect(sut.warnings).toEqual([
        { line: 1, message: 'line 1: not a message line and no message before it to continue' },
        { line: 3, message: 'line 3: "31/02/2023" at 21:42 is not a valid day-first date and time' },
      ]);
    });

    it('should give up after maxWarnings', async () => {
      const error = await parseError(parseText(text, { lenient: true, maxWarnings: 1 }));

      expect(error).toMatchObject({ code: ChatImportErrorCode.TooManyProblems, line: 3 });
    });
  });
});
