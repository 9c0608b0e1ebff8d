import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { types as ms } from 'mediasoup';
import { AuthUser } from 'src/common/auth/auth-user';
import { AppConfigService } from 'src/config/app-config.service';
import {
  Meeting,
  MeetingRecording,
  MeetingRecordingStatus,
  MeetingRecordingTrack,
  MeetingStatus,
} from 'src/modules/meetings/meeting.entity';
import { MeetingError, MeetingErrorCode } from 'src/modules/meetings/meetings.errors';
import { MeetingsService } from 'src/modules/meetings/meetings.service';
import type { MeetingRoom, Peer } from 'src/modules/meetings/signalling/meeting-room';
import { MeetingRoomsService } from 'src/modules/meetings/signalling/meeting-rooms.service';
import { OrgContext } from 'src/modules/organizations/organization.decorators';
import { containerFor, recordTrack, type TrackRecording } from './track-recorder';

export interface RecordingDto {
  id: string;
  meetingId: string;
  status: MeetingRecordingStatus;
  startedById: string | null;
  startedAt: string;
  endedAt: string | null;
  error: string | null;
  tracks: Omit<MeetingRecordingTrack, 'file'>[];
}

/** A recording in progress on this node: its room and one ffmpeg per recorded producer. */
interface ActiveRecording {
  id: string;
  room: MeetingRoom;
  tracks: MeetingRecordingTrack[];
  recorders: Map<string, TrackRecording>;
  pending: Set<Promise<void>>;
  onProducer: (peer: Peer, producer: ms.Producer) => void;
  onClose: () => void;
}

const notFound = (): MeetingError => new MeetingError(MeetingErrorCode.RecordingNotFound, 'Recording not found');

/**
 * Meeting recordings: the host starts one while the meeting is live (and `settings.recordingAllowed`); every producer
 * of the room — and every new one until it stops — is recorded by `recordTrack` (PlainTransport → ffmpeg, no
 * re-encoding) into `STORAGE_DIR/meeting-recordings/<meeting>/<recording>/`. It stops when the host says so, when the
 * meeting ends or its room closes. Peers are told with `recordingStarted` / `recordingStopped`.
 */
@Injectable()
export class MeetingRecordingsService implements OnApplicationShutdown {
  private readonly logger = new Logger(MeetingRecordingsService.name);
  private readonly active = new Map<string, ActiveRecording>();
  private ffmpegChecked?: Promise<boolean>;

  constructor(
    private readonly em: EntityManager,
    private readonly meetings: MeetingsService,
    private readonly rooms: MeetingRoomsService,
    private readonly config: AppConfigService,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.active.keys()].map((meetingId) => this.finish(meetingId)));
  }

  async start(org: OrgContext, actor: AuthUser, meetingId: string): Promise<RecordingDto> {
    const meeting = await this.meetings.findAsHost(org, actor, meetingId);
    if (!meeting.settings.recordingAllowed) {
      throw new MeetingError(
        MeetingErrorCode.RecordingNotAllowed,
        'Recording is off for this meeting (settings.recordingAllowed)',
      );
    }
    if (!(await this.ffmpegAvailable())) {
      throw new MeetingError(
        MeetingErrorCode.RecorderUnavailable,
        `Recording needs ffmpeg, which "${this.config.meetings.ffmpegPath}" does not run: install the Debian package ffmpeg or set FFMPEG_PATH`,
      );
    }
    const room = this.rooms.get(meeting.id);
    if (meeting.status !== MeetingStatus.Live || !room || room.isClosed) {
      throw new MeetingError(MeetingErrorCode.InvalidState, 'Only a live meeting with people in it can be recorded', {
        status: meeting.status,
      });
    }
    if (this.active.has(meeting.id)) {
      throw new MeetingError(MeetingErrorCode.AlreadyRecording, 'The meeting is being recorded already', {
        recordingId: this.active.get(meeting.id)!.id,
      });
    }
    const em = this.em.fork();
    const recording = em.create(MeetingRecording, { meeting: meeting.id, startedBy: actor.id });
    await em.flush();
    const active: ActiveRecording = {
      id: recording.id,
      room,
      tracks: [],
      recorders: new Map(),
      pending: new Set(),
      onProducer: (peer, producer) => this.track(meeting, active, peer, producer),
      onClose: () => void this.finish(meeting.id),
    };
    this.active.set(meeting.id, active);
    room.recordingId = recording.id;
    room.on('producer', active.onProducer);
    room.once('close', active.onClose);
    for (const peer of room.peers.values()) {
      for (const producer of peer.producers.values()) {
        this.track(meeting, active, peer, producer);
      }
    }
    await Promise.all([...active.pending]);
    room.notify('recordingStarted', { recordingId: recording.id });
    return this.toDto(recording);
  }

  async stop(org: OrgContext, actor: AuthUser, meetingId: string, recordingId: string): Promise<RecordingDto> {
    const meeting = await this.meetings.findAsHost(org, actor, meetingId);
    const active = this.active.get(meeting.id);
    if (active?.id === recordingId) {
      await this.finish(meeting.id);
    }
    return this.get(org, actor, meetingId, recordingId);
  }

  /** Stops the meeting's recording, if any: files closed, sizes stored, status completed (or failed). */
  async finish(meetingId: string): Promise<void> {
    const active = this.active.get(meetingId);
    if (!active) {
      return;
    }
    this.active.delete(meetingId);
    active.room.off('producer', active.onProducer);
    active.room.off('close', active.onClose);
    if (active.room.recordingId === active.id) {
      active.room.recordingId = null;
    }
    await Promise.all([...active.pending]);
    const results = await Promise.all([...active.recorders.values()].map((r) => r.stop()));
    for (const { exitCode, stderr } of results) {
      // 255: ffmpeg stopped by SIGINT, as asked.
      if (exitCode !== 0 && exitCode !== 255) {
        this.logger.warn({ meetingId, recordingId: active.id, exitCode, stderr }, 'a track recorder failed');
      }
    }
    const endedAt = new Date();
    for (const track of active.tracks) {
      track.endedAt ??= endedAt.toISOString();
      track.bytes = await stat(this.path(track.file)).then(
        (s) => s.size,
        () => 0,
      );
    }
    const recorded = active.tracks.filter((t) => (t.bytes ?? 0) > 0);
    const em = this.em.fork();
    const recording = await em.findOneOrFail(MeetingRecording, active.id);
    recording.tracks = active.tracks;
    recording.endedAt = endedAt;
    recording.status = recorded.length > 0 ? MeetingRecordingStatus.Completed : MeetingRecordingStatus.Failed;
    recording.error = recorded.length > 0 ? null : 'Nothing was recorded: no media reached the recorder';
    await em.flush();
    if (!active.room.isClosed) {
      active.room.notify('recordingStopped', { recordingId: active.id });
    }
  }

  async list(org: OrgContext, actor: AuthUser, meetingId: string): Promise<RecordingDto[]> {
    const meeting = await this.meetings.findVisible(org, actor, meetingId);
    const rows = await this.em.find(MeetingRecording, { meeting }, { orderBy: { startedAt: 'desc', id: 'desc' } });
    return rows.map((r) => this.toDto(r));
  }

  async get(org: OrgContext, actor: AuthUser, meetingId: string, recordingId: string): Promise<RecordingDto> {
    const meeting = await this.meetings.findVisible(org, actor, meetingId);
    const recording = await this.em.fork().findOne(MeetingRecording, { id: recordingId, meeting });
    if (!recording) {
      throw notFound();
    }
    return this.toDto(recording);
  }

  /** A finished track's file, for the host. */
  async open(
    org: OrgContext,
    actor: AuthUser,
    meetingId: string,
    recordingId: string,
    trackId: string,
  ): Promise<{ stream: ReadStream; size: number; contentType: string; filename: string }> {
    const meeting = await this.meetings.findAsHost(org, actor, meetingId);
    const recording = await this.em.fork().findOne(MeetingRecording, { id: recordingId, meeting });
    const track = recording?.tracks.find((t) => t.id === trackId);
    if (!recording || !track || recording.status === MeetingRecordingStatus.Recording || !track.bytes) {
      throw notFound();
    }
    const path = this.path(track.file);
    const { size } = await stat(path).catch(() => {
      throw notFound();
    });
    const extension = track.file.slice(track.file.lastIndexOf('.') + 1);
    const safeName = track.displayName.replace(/[^\p{L}\p{N} ._-]/gu, '_');
    return {
      stream: createReadStream(path),
      size,
      contentType: track.contentType,
      filename: `${meeting.title} - ${safeName} - ${track.kind}.${extension}`,
    };
  }

  private track(meeting: Meeting, active: ActiveRecording, peer: Peer, producer: ms.Producer): void {
    const { extension, contentType } = containerFor(
      producer.rtpParameters.codecs[0]?.mimeType ?? `${producer.kind}/unknown`,
    );
    const id = randomUUID();
    const relative = join('meeting-recordings', meeting.id, active.id, `${id}.${extension}`);
    const entry: MeetingRecordingTrack = {
      id,
      producerId: producer.id,
      peerId: peer.id,
      userId: peer.identity.userId,
      displayName: peer.identity.displayName,
      kind: producer.kind,
      file: relative,
      contentType,
      startedAt: new Date().toISOString(),
      endedAt: null,
      bytes: null,
    };
    active.tracks.push(entry);
    const pending = (async () => {
      const file = this.path(relative);
      await mkdir(resolve(file, '..'), { recursive: true });
      const recorder = await recordTrack(active.room.mediaRouter, producer, file, this.config.meetings.ffmpegPath);
      active.recorders.set(id, recorder);
      // The producer went away (peer left, worker died): that track is complete.
      producer.observer.once('close', () => {
        entry.endedAt = new Date().toISOString();
        void recorder.stop();
      });
    })()
      .catch((error: unknown) => {
        this.logger.error({ err: error, meetingId: meeting.id, producerId: producer.id }, 'track recorder failed');
      })
      .finally(() => active.pending.delete(pending));
    active.pending.add(pending);
  }

  private path(relative: string): string {
    return resolve(this.config.storage.dir, relative);
  }

  private ffmpegAvailable(): Promise<boolean> {
    this.ffmpegChecked ??= new Promise<boolean>((done) => {
      const child = spawn(this.config.meetings.ffmpegPath, ['-version'], { stdio: 'ignore' });
      child.once('error', () => done(false));
      child.once('exit', (code) => done(code === 0));
    }).then((ok) => {
      if (!ok) {
        this.ffmpegChecked = undefined; // installed later: look again next time
      }
      return ok;
    });
    return this.ffmpegChecked;
  }

  /** A recording in progress shows its live track list (stored only when it stops). */
  private toDto(recording: MeetingRecording): RecordingDto {
    const active = this.active.get(recording.meeting.id);
    const tracks = active?.id === recording.id ? active.tracks : recording.tracks;
    return {
      id: recording.id,
      meetingId: recording.meeting.id,
      status: recording.status,
      startedById: recording.startedBy?.id ?? null,
      startedAt: recording.startedAt.toISOString(),
      endedAt: recording.endedAt ? recording.endedAt.toISOString() : null,
      error: recording.error ?? null,
      tracks: tracks.map(({ file: _file, ...track }) => track),
    };
  }
}
