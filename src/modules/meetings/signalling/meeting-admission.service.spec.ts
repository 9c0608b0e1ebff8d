import type { EntityManager } from '@mikro-orm/postgresql';
import type { Meeting } from 'src/modules/meetings/meeting.entity';
import type { MeetingTokensService } from 'src/modules/meetings/meeting-tokens.service';
import { MeetingError } from 'src/modules/meetings/meetings.errors';
import { MeetingAdmissionService } from './meeting-admission.service';
import { MeetingRoom, Peer } from './meeting-room';

const peer = (id: string, role: 'host' | 'participant' | 'guest' = 'participant', subject = id): Peer =>
  new Peer(id, `socket-${id}`, { subject, userId: null, displayName: id, role });

const room = (peers: Peer[] = [], waiting: Peer[] = []): MeetingRoom =>
  ({
    peers: new Map(peers.map((p) => [p.id, p])),
    waiting: new Map(waiting.map((p) => [p.id, p])),
  }) as unknown as MeetingRoom;

const meeting = (maxParticipants: number, waitingRoom: boolean): Meeting =>
  ({ id: 'm1', settings: { maxParticipants, waitingRoom } }) as unknown as Meeting;

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    return (error as MeetingError).code;
  }
  return undefined;
};

describe(MeetingAdmissionService.name, () => {
  const sut = new MeetingAdmissionService({} as EntityManager, {} as MeetingTokensService);

  describe('admit', () => {
    it('should let a peer enter a meeting with room and no waiting room', () => {
      expect(sut.admit(meeting(2, false), room([peer('a')]), peer('b'), false)).toBe('enter');
    });

    it('should refuse a peer when the meeting is full', () => {
      const full = room([peer('a'), peer('b')]);
      expect(codeOf(() => sut.admit(meeting(2, false), full, peer('c', 'host'), true))).toBe('MEETING_FULL');
    });

    it('should make everyone but a host wait in the waiting room until admitted', () => {
      const m = meeting(10, true);
      expect(sut.admit(m, room(), peer('p'), false)).toBe('wait');
      expect(sut.admit(m, room(), peer('g', 'guest'), false)).toBe('wait');
      expect(sut.admit(m, room(), peer('h', 'host'), false)).toBe('enter');
      expect(sut.admit(m, room(), peer('p'), true)).toBe('enter');
    });
  });

  describe('replaced', () => {
    it('should find the same person on another socket, joined or waiting', () => {
      const joined = peer('a', 'participant', 'user-1');
      const waiting = peer('b', 'participant', 'user-2');
      const r = room([joined], [waiting]);
      expect(sut.replaced(r, 'user-1', 'socket-new')).toBe(joined);
      expect(sut.replaced(r, 'user-2', 'socket-new')).toBe(waiting);
      expect(sut.replaced(r, 'user-1', joined.socketId)).toBeUndefined();
      expect(sut.replaced(undefined, 'user-1', 'socket-new')).toBeUndefined();
    });
  });

  describe('assertHost', () => {
    it('should refuse anyone but the host', () => {
      expect(codeOf(() => sut.assertHost(peer('p')))).toBe('MEETING_HOST_REQUIRED');
      expect(codeOf(() => sut.assertHost(peer('h', 'host')))).toBeUndefined();
    });
  });
});
