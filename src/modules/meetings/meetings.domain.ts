import { defineDomain } from 'src/common/domain/domain-definition';
import { Call, CallFeedback, CallParticipant } from './calls/call.entity';
import { CallError } from './calls/calls.errors';
import { CALLS_QUEUE_DEFINITION } from './calls/calls.jobs';
import { Meeting, MeetingInvitee, MeetingParticipant, MeetingRecording } from './meeting.entity';
import { MeetingError } from './meetings.errors';

export enum MeetingsPermission {
  /** Video meetings: schedule and host meetings, be invited, join (join tokens). */
  Use = 'meetings.use',
}

export const meetingsDomain = defineDomain({
  name: 'meetings',
  summary: 'Video meetings and calls on the mediasoup SFU: scheduling, admission, signalling, recording',
  entities: [Meeting, MeetingInvitee, MeetingParticipant, MeetingRecording, Call, CallParticipant, CallFeedback],
  errors: [MeetingError, CallError],
  queues: [CALLS_QUEUE_DEFINITION],
  permissions: {
    [MeetingsPermission.Use]: {
      description: 'Video meetings: schedule and host meetings, be invited, join (join tokens)',
      roles: ['admin', 'member'],
    },
  },
  webhookEvents: {
    'meeting.started': 'A video meeting went live (its host started it)',
    'meeting.ended': 'A live video meeting ended (its host stopped it)',
    'call.started': 'A call started: created now, or a scheduled call whose time came (then ringing)',
    'call.ended': 'An active call ended (completed, missed or failed)',
  },
  realtimeNamespaces: { '/meetings': 'Meeting signalling: admission, transports, producers and consumers' },
  personalData: {
    exportSections: {
      meetings: 'Meetings this account hosts or was invited to',
      meetingParticipations: 'When this account joined and left meetings',
      calls: 'Calls this account made or took part in',
      callFeedback: 'Feedback this account gave on calls',
    },
  },
});
