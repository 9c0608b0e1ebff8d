import { CallDirection } from './call.entity';
import { callRuleProblems, MAX_SCHEDULE_MS } from './call-rules';

const ME = '00000000-0000-4000-8000-000000000001';
const ANN = '00000000-0000-4000-8000-000000000002';
const NOW = Date.parse('2030-06-01T12:00:00Z');

const fieldsOf = (input: Parameters<typeof callRuleProblems>[0]): string[] =>
  callRuleProblems(input, ME, NOW).problems.map((p) => p.field);

describe(callRuleProblems.name, () => {
  it('should require a phone number for inbound and outbound calls', () => {
    expect(fieldsOf({ direction: CallDirection.Inbound })).toEqual(['phoneNumber']);
    expect(fieldsOf({ direction: CallDirection.Outbound })).toEqual(['phoneNumber']);
    expect(fieldsOf({ direction: CallDirection.Outbound, phoneNumber: '+4930123456' })).toEqual([]);
  });

  it('should refuse a phone number and require another participant on internal calls', () => {
    expect(fieldsOf({ direction: CallDirection.Internal, phoneNumber: '+4930123456', participantIds: [ME] })).toEqual([
      'phoneNumber',
      'participantIds',
    ]);
    expect(fieldsOf({ direction: CallDirection.Internal, participantIds: [ANN] })).toEqual([]);
  });

  it('should drop the creator and duplicates from the other participants', () => {
    const sut = callRuleProblems({ direction: CallDirection.Internal, participantIds: [ANN, ME, ANN] }, ME, NOW);
    expect(sut.others).toEqual([ANN]);
  });

  it('should allow video only on internal calls without a meeting id', () => {
    expect(fieldsOf({ direction: CallDirection.Outbound, phoneNumber: '+4930123456', video: true })).toEqual(['video']);
    expect(fieldsOf({ direction: CallDirection.Internal, participantIds: [ANN], video: true, meetingId: ANN })).toEqual(
      ['video'],
    );
    expect(fieldsOf({ direction: CallDirection.Internal, participantIds: [ANN], video: true })).toEqual([]);
  });

  it('should want scheduledAt in the future and within a year', () => {
    const at = (ms: number) =>
      fieldsOf({ direction: CallDirection.Internal, participantIds: [ANN], scheduledAt: new Date(NOW + ms) });
    expect(at(0)).toEqual(['scheduledAt']);
    expect(at(-1000)).toEqual(['scheduledAt']);
    expect(at(1000)).toEqual([]);
    expect(at(MAX_SCHEDULE_MS + 1)).toEqual(['scheduledAt']);
  });
});
