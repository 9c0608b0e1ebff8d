import { AppError } from 'src/common/errors/app-error';
import { AckFailure, failureAck, parsePayload } from 'src/realtime/socket-toolkit';
import { ChatDto, CreateTransportDto, JoinDto, MutePeerDto, PreferredLayersDto, ProduceDto } from './signalling.dto';

const ID = '8f1b7e2c-2b1e-4f7a-9a57-1b2c3d4e5f60';

/** The acknowledgement a `/meetings` client gets for a payload the DTO refuses. */
const refusal = (run: () => unknown): AckFailure => {
  try {
    run();
  } catch (error) {
    return failureAck(error as AppError, 'message');
  }
  throw new Error('accepted');
};

const invalid = (field: string, message: string): AckFailure => ({
  ok: false,
  code: 'VALIDATION_FAILED',
  message,
  details: { field },
});

describe('signalling DTOs', () => {
  it('should name the first bad field and its rule, as /meetings always answered', () => {
    expect(refusal(() => parsePayload(CreateTransportDto, { direction: 'sideways' }))).toEqual(
      invalid('direction', 'direction must be one of send, recv'),
    );
    expect(refusal(() => parsePayload(ProduceDto, { transportId: ID, kind: 'audio' }))).toEqual(
      invalid('rtpParameters', 'rtpParameters must be an object'),
    );
    expect(refusal(() => parsePayload(ProduceDto, { transportId: 'x', kind: 'x' }))).toEqual(
      invalid('transportId', 'transportId must be an id'),
    );
    expect(
      refusal(() => parsePayload(ProduceDto, { transportId: ID, kind: 'video', rtpParameters: {}, appData: 'x' })),
    ).toEqual(invalid('appData', 'appData must be an object'));
    expect(
      refusal(() =>
        parsePayload(ProduceDto, { transportId: ID, kind: 'video', rtpParameters: {}, appData: { source: 'radio' } }),
      ),
    ).toEqual(invalid('appData.source', 'appData.source must be one of mic, webcam, screen'));
    expect(refusal(() => parsePayload(ChatDto, { text: '   ' }))).toEqual(
      invalid('text', 'text must be text of 1 to 2000 characters'),
    );
    expect(
      refusal(() => parsePayload(PreferredLayersDto, { consumerId: ID, spatialLayer: 1, temporalLayer: 4 })),
    ).toEqual(invalid('temporalLayer', 'temporalLayer must be an integer from 0 to 3'));
    expect(refusal(() => parsePayload(MutePeerDto, { peerId: ID, kind: null }))).toEqual(
      invalid('kind', 'kind must be one of audio, video'),
    );
  });

  it('should trim text, leave optional fields out when not sent, and copy media parameters', () => {
    expect(parsePayload(JoinDto, { displayName: '  Ada  ' }).displayName).toBe('Ada');
    expect(parsePayload(JoinDto, undefined).displayName).toBeUndefined();
    expect(parsePayload(MutePeerDto, { peerId: ID }).kind).toBeUndefined();
    const rtpParameters = {
      codecs: [{ mimeType: 'audio/opus', parameters: { useinbandfec: 1 } }],
      encodings: [{ ssrc: 1 }],
    };
    expect(parsePayload(ProduceDto, { transportId: ID, kind: 'audio', rtpParameters }).rtpParameters).toEqual(
      rtpParameters,
    );
  });
});
