import { subjectOf, toImportDateOrder } from './chat-import-source';
import { importedMessageId, titleFromFilename } from './chat-import.service';

describe('chat import helpers', () => {
  describe(importedMessageId.name, () => {
    const importId = '3f2b8c1e-9d4a-4b7e-a1c2-0123456789ab';

    it('should be the same id for the same import and place (a retried job finds its rows)', () => {
      expect(importedMessageId(importId, 41)).toBe(importedMessageId(importId, 41));
      expect(importedMessageId(importId, 41)).toBe('3f2b8c1e-9d4a-4b7e-a1c2-000000000029');
    });

    it('should sort like the export, as strings and as PostgreSQL compares uuids (bytewise)', () => {
      const ids = [0, 1, 9, 10, 255, 4096, 1_000_000, 2 ** 40].map((seq) => importedMessageId(importId, seq));

      expect([...ids].sort()).toEqual(ids);
      expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(
        true,
      );
    });
  });

  describe(titleFromFilename.name, () => {
    it('should take the contact or group from a WhatsApp export file name', () => {
      expect(titleFromFilename('WhatsApp Chat with Ana 🌻.txt', 'whatsapp')).toBe('Ana 🌻');
      expect(titleFromFilename('WhatsApp Chat mit Jürgen.txt', 'whatsapp')).toBe('Jürgen');
      expect(titleFromFilename('holiday.txt', 'whatsapp')).toBe('holiday');
      expect(titleFromFilename('export', 'telegram')).toBe('Imported telegram chat');
    });
  });

  describe(subjectOf.name, () => {
    const system = (text: string) => ({ sentAt: new Date(0), author: null, kind: 'system' as const, text });

    it('should read the group subject from creation and subject-change notices', () => {
      expect(subjectOf(system('Maria created group "Trip 🏔️ 2024"'))).toBe('Trip 🏔️ 2024');
      expect(subjectOf(system('Aiko created group “Book Club 📚”'))).toBe('Book Club 📚');
      expect(subjectOf(system('Maria changed the subject from "Trip" to "Trip: Feb 12–18"'))).toBe('Trip: Feb 12–18');
      expect(subjectOf(system('Tom left'))).toBeNull();
      expect(subjectOf({ ...system('created group "x"'), kind: 'text', author: 'Tom' })).toBeNull();
    });
  });

  describe(toImportDateOrder.name, () => {
    it("should name the parser's decision in the import's words, in precedence order", () => {
      expect(toImportDateOrder({ order: 'MDY', decidedBy: 'forced' })).toEqual({ order: 'MDY', decidedBy: 'request' });
      expect(toImportDateOrder({ order: 'DMY', decidedBy: 'file', line: 7 })).toEqual({
        order: 'DMY',
        decidedBy: 'content',
      });
      expect(toImportDateOrder({ order: 'MDY', decidedBy: 'sequence' })).toEqual({
        order: 'MDY',
        decidedBy: 'sequence',
      });
      expect(toImportDateOrder({ order: 'MDY', decidedBy: 'locale' })).toEqual({ order: 'MDY', decidedBy: 'locale' });
      expect(toImportDateOrder({ order: 'DMY', decidedBy: 'default' })).toEqual({ order: 'DMY', decidedBy: 'default' });
      expect(toImportDateOrder(null)).toBeNull();
    });
  });
});
