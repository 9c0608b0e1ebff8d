import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfigService } from 'src/config/app-config.service';
import { Meeting, MeetingStatus } from 'src/modules/meetings/meeting.entity';
import { MeetingError, MeetingErrorCode } from 'src/modules/meetings/meetings.errors';
import { MeetingsService } from 'src/modules/meetings/meetings.service';
import { SfuUnavailableError, SfuWorkerPool, WorkerDiedEvent } from 'src/modules/meetings/sfu/sfu-worker-pool.service';
import { MeetingRoom, Peer, RoomChannel } from './meeting-room';
import type { MeetingServerEvents } from './signalling.events';

/** How rooms reach sockets: the gateway binds the namespace here. */
export interface RoomIo {
  toMeeting<E extends keyof MeetingServerEvents>(
    meetingId: string,
    event: E,
    body: Parameters<MeetingServerEvents[E]>[0],
    exceptSocketId?: string,
  ): void;
  toSocket<E extends keyof MeetingServerEvents>(
    socketId: string,
    event: E,
    body: Parameters<MeetingServerEvents[E]>[0],
  ): void;
}

/**
 * The live meetings of this node: one MeetingRoom (one router) per meeting with someone in it. A room opens on the
 * first join (a scheduled meeting goes live then), closes its router when the last peer leaves, and the meeting ends
 * when it stays empty for MEETING_EMPTY_TIMEOUT. When a worker dies, its rooms move to new routers on the pool.
 * A meeting lives on one node: deployments with several nodes route a meeting's sockets to one of them.
 */
@Injectable()
export class MeetingRoomsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MeetingRoomsService.name);
  private readonly rooms = new Map<string, MeetingRoom>();
  private readonly opening = new Map<string, Promise<MeetingRoom>>();
  private readonly emptyTimers = new Map<string, NodeJS.Timeout>();
  private io?: RoomIo;

  constructor(
    private readonly em: EntityManager,
    private readonly pool: SfuWorkerPool,
    private readonly meetings: MeetingsService,
    private readonly config: AppConfigService,
  ) {}

  onModuleInit(): void {
    this.pool.on('died', (event: WorkerDiedEvent) => void this.recover(event));
  }

  onApplicationShutdown(): void {
    for (const timer of this.emptyTimers.values()) {
      clearTimeout(timer);
    }
    this.emptyTimers.clear();
  }

  bind(io: RoomIo): void {
    this.io = io;
  }

  get(meetingId: string): MeetingRoom | undefined {
    return this.rooms.get(meetingId);
  }

  /** Live rooms on this node (meeting id, router id, peers): for tests and metrics. */
  stats(): { meetingId: string; routerId: string; peers: number }[] {
    return [...this.rooms.values()].map((r) => ({ meetingId: r.meetingId, routerId: r.routerId, peers: r.peers.size }));
  }

  /** Totals for the `sfu_*` metrics. */
  summary(): { meetings: number; peers: number; workers: number } {
    const rooms = [...this.rooms.values()];
    return {
      meetings: rooms.length,
      peers: rooms.reduce((sum, r) => sum + r.peers.size, 0),
      workers: this.pool.stats().length,
    };
  }

  /**
   * The meeting's room, opened if needed: a scheduled meeting goes live, a router is created on the least loaded
   * worker. Concurrent joins of one meeting share one opening.
   */
  async open(meeting: Meeting): Promise<MeetingRoom> {
    const existing = this.rooms.get(meeting.id);
    if (existing && !existing.isClosed) {
      return existing;
    }
    let opening = this.opening.get(meeting.id);
    if (!opening) {
      opening = this.openRoom(meeting).finally(() => this.opening.delete(meeting.id));
      this.opening.set(meeting.id, opening);
    }
    return opening;
  }

  /** Closes the router of a room nobody is in (or waits for); the meeting ends if it stays empty. */
  closeIfEmpty(room: MeetingRoom): void {
    if (!room.isEmpty || this.rooms.get(room.meetingId) !== room) {
      return;
    }
    room.close();
    this.rooms.delete(room.meetingId);
    this.logger.log(`meeting ${room.meetingId} is empty: router closed`);
    const timeoutMs = this.config.meetings.emptyTimeoutMs;
    if (timeoutMs > 0) {
      const timer = setTimeout(() => {
        this.emptyTimers.delete(room.meetingId);
        if (!this.rooms.has(room.meetingId)) {
          void this.endQuietly(room.meetingId);
        }
      }, timeoutMs);
      timer.unref();
      this.emptyTimers.set(room.meetingId, timer);
    }
  }

  /** The meeting ended (host, REST stop, empty timeout): its room closes; the gateway disconnects the sockets. */
  closeEnded(meetingId: string): void {
    const room = this.rooms.get(meetingId);
    this.clearEmptyTimer(meetingId);
    if (room) {
      this.rooms.delete(meetingId);
      room.close();
    }
  }

  private async openRoom(meeting: Meeting): Promise<MeetingRoom> {
    this.clearEmptyTimer(meeting.id);
    if (meeting.status === MeetingStatus.Scheduled) {
      await this.meetings.goLive(meeting.id).catch((error: unknown) => {
        // Another node or request started it meanwhile: fine, it is live.
        if (!(error instanceof MeetingError && error.code === MeetingErrorCode.InvalidState)) {
          throw error;
        }
      });
    }
    const room = new MeetingRoom(meeting.id, this.channelFor(meeting.id), (router, appData) =>
      this.pool.createWebRtcTransport(router, appData),
    );
    try {
      await room.attach(await this.pool.createRouter({ meetingId: meeting.id }));
    } catch (error) {
      if (error instanceof SfuUnavailableError) {
        throw new MeetingError(MeetingErrorCode.SfuUnavailable, error.message);
      }
      throw error;
    }
    this.rooms.set(meeting.id, room);
    return room;
  }

  private channelFor(meetingId: string): RoomChannel {
    const io = (): RoomIo => {
      if (!this.io) {
        throw new Error('MeetingRoomsService used before the gateway bound it');
      }
      return this.io;
    };
    return {
      toAll: (event, body, exceptPeerId) => {
        const except = exceptPeerId ? this.rooms.get(meetingId)?.peers.get(exceptPeerId)?.socketId : undefined;
        io().toMeeting(meetingId, event, body, except);
      },
      toPeer: (peer: Peer, event, body) => io().toSocket(peer.socketId, event, body),
    };
  }

  private async recover({ routerIds }: WorkerDiedEvent): Promise<void> {
    const lost = [...this.rooms.values()].filter((room) => routerIds.includes(room.routerId));
    for (const room of lost) {
      try {
        await room.recover(await this.pool.createRouter({ meetingId: room.meetingId }));
        this.logger.warn(`meeting ${room.meetingId} moved to router ${room.routerId} after its worker died`);
      } catch (error) {
        this.logger.error({ err: error, meetingId: room.meetingId }, 'meeting could not be re-created');
      }
    }
  }

  private async endQuietly(meetingId: string): Promise<void> {
    try {
      const meeting = await this.em.fork().findOne(Meeting, meetingId);
      if (meeting?.status === MeetingStatus.Live) {
        await this.meetings.end(meetingId);
        this.logger.log(`meeting ${meetingId} ended: nobody in it for ${this.config.meetings.emptyTimeoutMs} ms`);
      }
    } catch (error) {
      if (!(error instanceof MeetingError && error.code === MeetingErrorCode.InvalidState)) {
        this.logger.error({ err: error, meetingId }, 'ending an empty meeting failed');
      }
    }
  }

  private clearEmptyTimer(meetingId: string): void {
    const timer = this.emptyTimers.get(meetingId);
    if (timer) {
      clearTimeout(timer);
      this.emptyTimers.delete(meetingId);
    }
  }
}
