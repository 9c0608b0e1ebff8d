import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { User } from 'src/modules/users/user.entity';
import { Meeting } from 'src/modules/meetings/meeting.entity';
import { MeetingJoinClaims, MeetingTokensService } from 'src/modules/meetings/meeting-tokens.service';
import { MeetingError, MeetingErrorCode, meetingNotFound } from 'src/modules/meetings/meetings.errors';
import { assertJoinable } from 'src/modules/meetings/meetings.service';
import { MeetingRoom, Peer, PeerIdentity } from './meeting-room';

/** Who a handshake lets in: the join token's claims and the peer they make. */
export interface MeetingEntrant {
  claims: MeetingJoinClaims;
  identity: PeerIdentity;
}

/**
 * Who may be in a meeting, and how: the join token of a handshake (to a meeting that can be joined, for an active
 * account or a guest), one peer per person, the participant limit, the waiting room, and what only the host may do.
 * The gateway carries out what is decided here on sockets and rooms.
 */
@Injectable()
export class MeetingAdmissionService {
  constructor(
    private readonly em: EntityManager,
    private readonly tokens: MeetingTokensService,
  ) {}

  /** The handshake's `auth: { token }`: a valid join token to a joinable meeting, for an active user or a guest. */
  async authenticate(auth: unknown): Promise<MeetingEntrant> {
    const token = (auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token.length === 0) {
      throw new MeetingError(
        MeetingErrorCode.JoinTokenInvalid,
        'Connect with auth: { token: <join token from POST /video/meetings/{id}/join-token> }',
      );
    }
    const claims = await this.tokens.verify(token.replace(/^Bearer\s+/i, ''));
    const em = this.em.fork();
    const meeting = await em.findOne(Meeting, claims.mid);
    if (!meeting) {
      throw meetingNotFound();
    }
    assertJoinable(meeting);
    if (claims.role === 'guest') {
      return {
        claims,
        identity: { subject: claims.sub, userId: null, displayName: claims.name ?? 'Guest', role: 'guest' },
      };
    }
    const user = await em.findOne(User, claims.sub);
    if (!user || !user.isActive) {
      throw new MeetingError(MeetingErrorCode.JoinTokenInvalid, 'The meeting join token is invalid or expired');
    }
    return {
      claims,
      identity: {
        subject: claims.sub,
        userId: user.id,
        displayName: user.displayName || user.username,
        role: claims.role,
      },
    };
  }

  /** The meeting a `join` enters, read afresh: it may have ended since the handshake. */
  async joinable(meetingId: string): Promise<Meeting> {
    const meeting = await this.em.fork().findOne(Meeting, meetingId);
    if (!meeting) {
      throw meetingNotFound();
    }
    assertJoinable(meeting);
    return meeting;
  }

  /**
   * The same person's other peer in the room, joined or waiting, which this socket replaces (a reconnect after a
   * network change, another tab) rather than waiting for its socket to time out.
   */
  replaced(room: MeetingRoom | undefined, subject: string, socketId: string): Peer | undefined {
    const peers = [...(room?.peers.values() ?? []), ...(room?.waiting.values() ?? [])];
    return peers.find((p) => p.identity.subject === subject && p.socketId !== socketId);
  }

  /**
   * Whether the peer enters the meeting now or waits for the host: a full meeting refuses it (`MEETING_FULL`); with
   * the waiting room on, everyone but a host waits until a host admitted them.
   */
  admit(meeting: Meeting, room: MeetingRoom, peer: Peer, admittedByHost: boolean): 'enter' | 'wait' {
    if (room.peers.size >= meeting.settings.maxParticipants) {
      throw new MeetingError(MeetingErrorCode.Full, 'The meeting is full', {
        maxParticipants: meeting.settings.maxParticipants,
      });
    }
    return meeting.settings.waitingRoom && !peer.isHost && !admittedByHost ? 'wait' : 'enter';
  }

  /** Admitting, muting or removing peers and ending the meeting are the host's. */
  assertHost(peer: Peer): void {
    if (!peer.isHost) {
      throw new MeetingError(MeetingErrorCode.HostRequired, 'Only the host can do this');
    }
  }
}
