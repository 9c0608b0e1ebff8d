import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsUUID,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import type { types as ms } from 'mediasoup';
import type { MediaSource } from './signalling.events';

/**
 * The payloads of the `/meetings` requests. A bad one is acknowledged as `VALIDATION_FAILED` naming its first bad
 * field (`details: { field }`, `message: '<field> <rule>'`); rules are phrased `$property …` for that. Media
 * parameters (RTP, DTLS) are only checked to be objects: mediasoup validates their contents.
 */

export const KINDS = ['audio', 'video'] as const;
export const SOURCES = ['mic', 'webcam', 'screen'] as const;
const DIRECTIONS = ['send', 'recv'] as const;

/** An optional field may be left out, but not sent as `null`. */
const sent = (_: object, value: unknown): boolean => value !== undefined;
const rule = (message: string): ValidationOptions => ({ message: `$property ${message}` });

const IsId = (): PropertyDecorator => IsUUID(undefined, rule('must be an id'));
const IsPlainObject = (): PropertyDecorator => IsObject(rule('must be an object'));
const IsOneOf = (values: readonly string[]): PropertyDecorator =>
  IsIn([...values], rule(`must be one of ${values.join(', ')}`));
const IsLayer = (): PropertyDecorator[] => [
  IsInt(rule('must be an integer from 0 to 3')),
  Min(0, rule('must be an integer from 0 to 3')),
  Max(3, rule('must be an integer from 0 to 3')),
];

/** Text, trimmed, of 1 to `max` characters (UTF-16 code units, as JavaScript counts them). */
function IsText(max: number): PropertyDecorator {
  const trimmed = Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));
  const text = ValidateBy(
    {
      name: 'isText',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.length >= 1 && value.length <= max,
      },
    },
    rule(`must be text of 1 to ${max} characters`),
  );
  return (target, property) => {
    text(target, property);
    trimmed(target, property);
  };
}

function Layer(): PropertyDecorator {
  return (target, property) => IsLayer().forEach((decorator) => decorator(target, property));
}

export class JoinDto {
  @ValidateIf(sent)
  @IsText(100)
  displayName?: string;
}

export class PeerRefDto {
  @IsId()
  peerId!: string;
}

export class CreateTransportDto {
  @IsOneOf(DIRECTIONS)
  direction!: (typeof DIRECTIONS)[number];
}

export class ConnectTransportDto {
  @IsId()
  transportId!: string;

  @IsPlainObject()
  dtlsParameters!: ms.DtlsParameters;
}

export class TransportRefDto {
  @IsId()
  transportId!: string;
}

class ProducerAppDataDto {
  @ValidateIf(sent)
  @IsOneOf(SOURCES)
  source?: MediaSource;
}

export class ProduceDto {
  @IsId()
  transportId!: string;

  @IsOneOf(KINDS)
  kind!: ms.MediaKind;

  @IsPlainObject()
  rtpParameters!: ms.RtpParameters;

  @ValidateIf(sent)
  @IsPlainObject()
  @ValidateNested()
  @Type(() => ProducerAppDataDto)
  appData?: ProducerAppDataDto;
}

export class ProducerRefDto {
  @IsId()
  producerId!: string;
}

export class ConsumeDto {
  @IsId()
  producerId!: string;

  @IsPlainObject()
  rtpCapabilities!: ms.RtpCapabilities;
}

export class ConsumerRefDto {
  @IsId()
  consumerId!: string;
}

export class PreferredLayersDto {
  @IsId()
  consumerId!: string;

  @Layer()
  spatialLayer!: number;

  @ValidateIf(sent)
  @Layer()
  temporalLayer?: number;
}

export class ChatDto {
  @IsText(2000)
  text!: string;
}

export class RaiseHandDto {
  @IsBoolean(rule('must be true or false'))
  raised!: boolean;
}

export class MutePeerDto {
  @IsId()
  peerId!: string;

  @ValidateIf(sent)
  @IsOneOf(KINDS)
  kind?: ms.MediaKind;
}
