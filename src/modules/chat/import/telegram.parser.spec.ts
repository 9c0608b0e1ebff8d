import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ChatImportError, ChatImportErrorCode } from './chat-import.errors';
import { parseTelegram, parseTelegramJson, type TelegramParseOptions } from './telegram.parser';

const FIXTURES = join(__dirname, '../../../../test/fixtures/chat-imports');
const SINGLE = join(FIXTURES, 'telegram-single-chat.json');
const ALL = join(FIXTURES, 'telegram-all-chats.json');

const iso = (date: Date | undefined) => date?.toISOString();

function chatWith(messages: unknown[]): string {
  return JSON.stringify({ name: 'Test', type: 'personal_chat', id: 1, messages });
}

function message(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 1,
    type: 'message',
    date: '2024-01-05T18:00:00',
    date_unixtime: '1704474000',
    from: 'Ann',
    from_id: 'user1',
    text: 'hi',
    ...overrides,
  };
}

async function parseError(input: string, options?: TelegramParseOptions): Promise<ChatImportError> {
  const error = await parseTelegram(input, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChatImportError);
  return error as ChatImportError;
}

describe(parseTelegram.name, () => {
  describe('single chat export', () => {
    it('should read every message with authors, kinds and UTC times', async () => {
      const sut = await parseTelegram(createReadStream(SINGLE));

      expect(sut.form).toBe('single');
      expect(sut.chats).toHaveLength(1);
      const [chat] = sut.chats;
      expect(chat).toMatchObject({ name: 'Berlin Flat 🏠', type: 'private_supergroup', id: 1234567890, index: null });
      expect(chat.stats).toMatchObject({ messages: 13, byKind: { text: 5, system: 4, media: 4, deleted: 0 } });
      expect(chat.stats.participants).toEqual(['Lena Schmidt', 'Марко Петров', 'Yuki Tanaka', 'Deleted Account']);
      expect(chat.entries.map((e) => [e.entry, e.id, e.kind, e.author])).toEqual([
        [0, 1, 'system', null],
        [1, 2, 'system', null],
        [2, 3, 'text', 'Lena Schmidt'],
        [3, 4, 'text', 'Марко Петров'],
        [4, 5, 'text', 'Yuki Tanaka'],
        [5, 6, 'media', 'Yuki Tanaka'],
        [6, 7, 'media', 'Марко Петров'],
        [7, 8, 'media', 'Lena Schmidt'],
        [8, 9, 'media', 'Lena Schmidt'],
        [9, 10, 'system', null],
        [10, 11, 'text', 'Yuki Tanaka'],
        [11, 12, 'text', 'Deleted Account'],
        [12, 13, 'system', null],
      ]);
      // date_unixtime wins over the local `date` (written in Berlin, UTC+1).
      expect(iso(chat.entries[2].sentAt)).toBe('2024-01-05T17:01:12.000Z');
    });

    it('should flatten text entities and keep replies, edits and forwards', async () => {
      const [chat] = (await parseTelegram(readFileSync(SINGLE))).chats;
      const [, , , reply, edited, , , , , , forwarded] = chat.entries;

      expect(reply).toMatchObject({
        replyToId: 3,
        text: 'Got it. Important: the heating guy comes Monday, see https://example.org/heating — @yuki_t can you let him in?',
      });
      expect(edited.text).toBe('Sure 👍\nI work from home that day.');
      expect(iso(edited.editedAt)).toBe('2024-01-05T17:06:10.000Z');
      expect(forwarded).toMatchObject({ forwardedFrom: 'BVG Info', text: 'U8 disrupted until 12:00' });
    });

    it('should read photos, files, stickers and voice messages as media', async () => {
      const [chat] = (await parseTelegram(readFileSync(SINGLE, 'utf8'))).chats;

      expect(chat.entries.filter((e) => e.kind === 'media').map((e) => [e.text, e.media])).toEqual([
        ['The broken radiator', { filename: 'photo_1@05-01-2024_18-07-00.jpg', type: 'image' }],
        ['😅', { type: 'sticker' }],
        ['', { filename: 'Mietvertrag 2024.pdf', type: 'document' }],
        ['', { filename: 'audio_1@05-01-2024_18-09-00.ogg', type: 'voice' }],
      ]);
    });

    it('should describe service actions as system entries', async () => {
      const [chat] = (await parseTelegram(readFileSync(SINGLE))).chats;

      expect(chat.entries.filter((e) => e.kind === 'system').map((e) => [e.action, e.authorId, e.text])).toEqual([
        ['create_group', 'user1001', 'Lena Schmidt created group "Berlin Flat 🏠"'],
        ['invite_members', 'user1001', 'Lena Schmidt added Yuki Tanaka'],
        ['pin_message', 'user1001', 'Lena Schmidt pinned message 3'],
        ['edit_group_title', 'user1002', 'Марко Петров changed the group name to "Berlin Flat 🏠 (2024)"'],
      ]);
    });

    it('should read `date` in the given time zone when an old export has no date_unixtime', async () => {
      const old = chatWith([message({ date_unixtime: undefined, date: '2024-07-01T12:00:00' })]);

      const sut = await parseTelegram(old, { timeZone: 'Europe/Berlin' });

      expect(iso(sut.chats[0].entries[0].sentAt)).toBe('2024-07-01T10:00:00.000Z');
    });
  });

  describe('all chats export', () => {
    it('should return every chat, empty ones included', async () => {
      const sut = await parseTelegram(createReadStream(ALL));

      expect(sut.form).toBe('all-chats');
      expect(sut.chats.map((c) => [c.index, c.name, c.type, c.stats.messages])).toEqual([
        [0, 'Yuki Tanaka', 'personal_chat', 3],
        [1, 'Saved Messages', 'saved_messages', 0],
        [2, 'Climbing Crew 🧗', 'private_group', 3],
      ]);
      expect(sut.chats[0].entries.map((e) => e.text)).toEqual([
        'おはよう! Coffee?',
        'Yes here',
        'Lena Schmidt called (64 s)',
      ]);
      expect(sut.chats[2].entries[2]).toMatchObject({ kind: 'text', text: 'Poll: Which gym?' });
    });

    it('should pick one chat by index, id or name', async () => {
      const text = readFileSync(ALL, 'utf8');

      const byIndex = await parseTelegram(text, { chat: 2 });
      const byId = await parseTelegram(text, { chat: 1003 });
      const byName = await parseTelegram(text, { chat: 'Climbing Crew 🧗' });

      expect(byIndex.chats.map((c) => c.name)).toEqual(['Climbing Crew 🧗']);
      expect(byId.chats.map((c) => c.name)).toEqual(['Yuki Tanaka']);
      expect(byName.chats.map((c) => c.index)).toEqual([2]);
    });

    it('should refuse a chat that is not in the export', async () => {
      const error = await parseError(readFileSync(ALL, 'utf8'), { chat: 'Nobody' });

      expect(error.code).toBe(ChatImportErrorCode.ChatNotFound);
    });
  });

  describe('errors', () => {
    it('should name the entry whose date is not a date', async () => {
      const messages = [message(), message({ id: 2 }), message({ id: 3, date_unixtime: undefined, date: 'yesterday' })];

      const error = await parseError(chatWith(messages));

      expect(error).toMatchObject({ code: ChatImportErrorCode.Malformed, entry: 2, path: 'messages[2].date' });
      expect(error.message).toBe('entry 2: date is not a date');
    });

    it('should name the chat and entry in an all chats export', async () => {
      const root = {
        chats: {
          list: [
            { name: 'A', messages: [message()] },
            { name: 'B', messages: [message(), 'x'] },
          ],
        },
      };

      const error = await parseError(JSON.stringify(root));

      expect(error).toMatchObject({ entry: 1, path: 'chats.list[1].messages[1]' });
      expect(error.message).toBe('chat 1, entry 1: not an object');
    });

    it.each([
      [{ type: 'note' }, 'entry 0: type "note" is neither "message" nor "service"', 'messages[0].type'],
      [{ id: 'one' }, 'entry 0: id is not a number', 'messages[0].id'],
      [{ date_unixtime: 'soon' }, 'entry 0: date_unixtime is not a number of seconds', 'messages[0].date_unixtime'],
      [{ text: [{ type: 'bold' }] }, 'entry 0: text[0] is neither a string nor a text entity', 'messages[0].text[0]'],
      [{ text: 42 }, 'entry 0: text is neither a string nor a list of strings and text entities', 'messages[0].text'],
      [{ type: 'service' }, 'entry 0: service message without an action', 'messages[0].action'],
    ])('should refuse %j', async (overrides, reason, path) => {
      const error = await parseError(chatWith([message(overrides)]));

      expect(error.message).toBe(reason);
      expect(error.path).toBe(path);
    });

    it('should refuse text that is not JSON, or JSON that is not an export', async () => {
      expect((await parseError('{"messages": [')).code).toBe(ChatImportErrorCode.Malformed);
      expect((await parseError('[]')).message).toMatch(/not a JSON object/);
      expect((await parseError('{"name": "x"}')).message).toMatch(/neither a chat/);
      expect((await parseError(chatWith([]))).code).toBe(ChatImportErrorCode.Empty);
    });

    it('should refuse a file above maxBytes without reading all of it', async () => {
      let chunks = 0;
      function* body(): Generator<Buffer> {
        for (; chunks < 1000; chunks += 1) {
          yield Buffer.alloc(1024, 0x20);
        }
      }

      const error = await parseTelegram(Readable.from(body()), { maxBytes: 10 * 1024 }).catch((e: unknown) => e);

      expect(error).toMatchObject({ code: ChatImportErrorCode.TooLarge });
      expect(chunks).toBeLessThan(100);
      expect(await parseError(chatWith([message()]), { maxBytes: 10 })).toMatchObject({
        code: ChatImportErrorCode.TooLarge,
      });
    });
  });

  describe('lenient mode', () => {
    const messages = [message(), message({ id: 2, date: 'nope', date_unixtime: undefined }), 7, message({ id: 4 })];

    it('should skip bad entries and report them as warnings', () => {
      const sut = parseTelegramJson(JSON.parse(chatWith(messages)), { lenient: true });

      expect(sut.chats[0].entries.map((e) => e.id)).toEqual([1, 4]);
      expect(sut.chats[0].warnings).toEqual([
        { entry: 1, path: 'messages[1].date', message: 'entry 1: date is not a date' },
        { entry: 2, path: 'messages[2]', message: 'entry 2: not an object' },
      ]);
    });

    it('should give up after maxWarnings', async () => {
      const error = await parseError(chatWith(messages), { lenient: true, maxWarnings: 1 });

      expect(error).toMatchObject({ code: ChatImportErrorCode.TooManyProblems, entry: 2 });
    });
  });
});
