import { MeetingsPersonalData } from './meetings.personal-data';
import { createSecretKey } from 'node:crypto';
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AppConfigService } from 'src/config/app-config.service';
import { CallsController } from './calls/calls.controller';
import { CallsProcessor } from './calls/calls.processor';
import { CallsRepository } from './calls/calls.repository';
import { CallFeedbackService } from './calls/call-feedback.service';
import { CallRecordsService } from './calls/call-records.service';
import { CallSchedulingService } from './calls/call-scheduling.service';
import { CallsService } from './calls/calls.service';
import { MeetingTokensService } from './meeting-tokens.service';
import { MeetingGuestsController, MeetingRecordingsController, MeetingsController } from './meetings.controller';
import { MeetingRecordingsService } from './recording/meeting-recordings.service';
import { MeetingsRepository } from './meetings.repository';
import { MeetingsService } from './meetings.service';
import { SfuWorkerPool } from './sfu/sfu-worker-pool.service';
import { MeetingAdmissionService } from './signalling/meeting-admission.service';
import { MeetingRoomsService } from './signalling/meeting-rooms.service';
import { MeetingsGateway } from './signalling/meetings.gateway';

/**
 * Video meetings: the meeting resources (`/video/meetings`, join tokens, participant history) and the mediasoup SFU
 * worker pool (signalling and recording build on both).
 */
@Module({
  imports: [
    // The access tokens' key and issuer; join tokens differ by audience and `typ` (see MeetingTokensService).
    JwtModule.registerAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => ({
        secret: createSecretKey(Buffer.from(config.auth.jwtSecret)),
        signOptions: { algorithm: 'HS256', issuer: 'switchboard' },
        verifyOptions: { algorithms: ['HS256'], issuer: 'switchboard' },
      }),
    }),
  ],
  controllers: [MeetingsController, MeetingGuestsController, MeetingRecordingsController, CallsController],
  providers: [
    MeetingsPersonalData,
    SfuWorkerPool,
    MeetingsRepository,
    MeetingsService,
    MeetingTokensService,
    MeetingRoomsService,
    MeetingAdmissionService,
    MeetingsGateway,
    MeetingRecordingsService,
    CallsRepository,
    CallRecordsService,
    CallsService,
    CallSchedulingService,
    CallFeedbackService,
    CallsProcessor,
  ],
  exports: [SfuWorkerPool, MeetingsService, MeetingTokensService, MeetingRoomsService],
})
export class MeetingsModule {}
