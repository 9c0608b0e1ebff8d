import { ReportEvent, ReportEventKind } from './report-event.entity';
import { Report, ReportStatus, ReportType } from './report.entity';
import { ReportError, ReportErrorCode } from './reports.errors';
import { ADMIN_TRANSITIONS, rejectForeignFields, toEventDto } from './reports.service';

const report = (reporterId: string): Report => ({ id: 'r1', reporter: { id: reporterId } }) as unknown as Report;

const event = (actorId: string | null, kind = ReportEventKind.Comment): ReportEvent =>
  ({
    id: 'e1',
    kind,
    actor: actorId ? { id: actorId } : null,
    fromStatus: null,
    toStatus: null,
    body: 'text',
    visibleToReporter: true,
    createdAt: new Date('2026-11-23T10:00:00Z'),
  }) as unknown as ReportEvent;

describe('ReportsService helpers', () => {
  describe('ADMIN_TRANSITIONS', () => {
    it('should keep closed reports closed', () => {
      for (const status of [ReportStatus.Resolved, ReportStatus.Dismissed, ReportStatus.Withdrawn]) {
        expect(ADMIN_TRANSITIONS[status]).toEqual([]);
      }
    });

    it('should never let an admin withdraw or resolve without review', () => {
      const targets = Object.values(ADMIN_TRANSITIONS).flat();
      expect(targets).not.toContain(ReportStatus.Withdrawn);
      expect(ADMIN_TRANSITIONS[ReportStatus.Open]).not.toContain(ReportStatus.Resolved);
      expect(ADMIN_TRANSITIONS[ReportStatus.InReview]).toEqual(
        expect.arrayContaining([ReportStatus.Resolved, ReportStatus.Dismissed]),
      );
    });
  });

  describe('rejectForeignFields', () => {
    it('should accept the fields of the type', () => {
      expect(() => rejectForeignFields(ReportType.Message, { messageId: 'x', reason: 'spam' })).not.toThrow();
      expect(() => rejectForeignFields(ReportType.User, { userId: 'x', reason: 'spam' })).not.toThrow();
      expect(() => rejectForeignFields(ReportType.Bug, { title: 'x' })).not.toThrow();
    });

    it.each([
      [ReportType.Message, { title: 'x' }, 'title'],
      [ReportType.Message, { userId: 'x' }, 'userId'],
      [ReportType.User, { messageId: 'x' }, 'messageId'],
      [ReportType.Bug, { reason: 'spam' }, 'reason'],
    ])('should name the foreign field of a %s report', (type, body, field) => {
      let thrown: unknown;
      try {
        rejectForeignFields(type, body);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ReportError);
      expect(thrown).toMatchObject({ code: ReportErrorCode.FieldNotAllowed, details: { field } });
    });
  });

  describe('toEventDto', () => {
    it('should hide staff from the reporter but not from admins', () => {
      const sut = toEventDto;
      expect(sut(event('admin'), report('reporter'), true)).toMatchObject({ actorId: null, byReporter: false });
      expect(sut(event('admin'), report('reporter'), false)).toMatchObject({ actorId: 'admin', byReporter: false });
    });

    it("should show the reporter's own actions as theirs", () => {
      expect(toEventDto(event('reporter', ReportEventKind.Edited), report('reporter'), true)).toMatchObject({
        actorId: 'reporter',
        byReporter: true,
        createdAt: '2026-11-23T10:00:00.000Z',
      });
    });
  });
});
