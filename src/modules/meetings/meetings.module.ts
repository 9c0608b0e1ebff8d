import { Module } from '@nestjs/common';
import { SfuWorkerPool } from './sfu/sfu-worker-pool.service';

/** Video meetings on a mediasoup SFU: the worker pool (meetings, signalling and recording build on it). */
@Module({
  providers: [SfuWorkerPool],
  exports: [SfuWorkerPool],
})
export class MeetingsModule {}
