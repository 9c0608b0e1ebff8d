import type { Logger } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsUUID, Max, ValidateNested } from 'class-validator';
import { PlatformError, PlatformErrorCode } from 'src/common/errors/app-error';
import { createValidationPipe } from 'src/common/http/validation';
import { answer, AnswerOptions, failureAck, parsePayload } from './socket-toolkit';

class Source {
  @IsIn(['mic', 'screen'], { message: '$property must be one of mic, screen' })
  source!: string;
}

class Produce {
  @IsUUID(undefined, { message: '$property must be an id' })
  transportId!: string;

  @IsInt()
  @Max(3)
  layer!: number;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => Source)
  appData?: Source;
}

const ID = '8f1b7e2c-2b1e-4f7a-9a57-1b2c3d4e5f60';

const thrown = (run: () => unknown): PlatformError => {
  try {
    run();
  } catch (error) {
    return error as PlatformError;
  }
  throw new Error('nothing thrown');
};

const logger = (): jest.Mocked<Pick<Logger, 'error'>> => ({ error: jest.fn() });

describe(parsePayload.name, () => {
  it('should return the DTO instance of a valid payload, unknown fields dropped', () => {
    const sut = parsePayload(Produce, { transportId: ID, layer: 2, appData: { source: 'mic', extra: 1 }, extra: true });
    expect(sut).toBeInstanceOf(Produce);
    expect(sut).toEqual({ transportId: ID, layer: 2, appData: { source: 'mic' } });
  });

  it('should refuse a bad payload as VALIDATION_FAILED with every bad field, nested ones dotted', () => {
    const sut = thrown(() => parsePayload(Produce, { transportId: 'nope', layer: 7, appData: { source: 'radio' } }));
    expect(sut).toBeInstanceOf(PlatformError);
    expect(sut.code).toBe(PlatformErrorCode.ValidationFailed);
    expect(sut.message).toBe('Invalid input: transportId, layer, appData.source');
    expect(sut.details).toEqual([
      { field: 'transportId', errors: ['transportId must be an id'] },
      { field: 'layer', errors: ['layer must not be greater than 3'] },
      { field: 'appData.source', errors: ['source must be one of mic, screen'] },
    ]);
  });

  it.each([null, undefined, 'text', 42, [ID]])('should validate a body that is not an object (%p) as {}', (body) => {
    expect(thrown(() => parsePayload(Produce, body)).details).toEqual([
      { field: 'transportId', errors: ['transportId must be an id'] },
      { field: 'layer', errors: expect.any(Array) as string[] },
    ]);
  });

  it('should give the same details as the HTTP validation pipe', async () => {
    const body = { transportId: 'nope', layer: 'x', appData: { source: 1 } };
    const http = (await createValidationPipe()
      .transform(body, { type: 'body', metatype: Produce })
      .catch((error: unknown) => error)) as PlatformError;
    const sut = thrown(() => parsePayload(Produce, body));
    expect(sut.details).toEqual(http.details);
    expect([sut.code, sut.message]).toEqual([http.code, http.message]);
  });
});

describe(answer.name, () => {
  const options = (style: AnswerOptions['style'], log = logger()): AnswerOptions => ({
    style,
    logger: log as unknown as Logger,
    failure: 'request failed',
    context: { requestId: 'r1' },
  });

  it('should answer a result as ok with its fields', async () => {
    await expect(answer(() => ({ peerId: 'p' }), options('message'))).resolves.toEqual({ ok: true, peerId: 'p' });
    await expect(answer(() => Promise.resolve({}), options('code'))).resolves.toEqual({ ok: true });
  });

  it('should answer a thrown AppError with its code, message and details in the message style', async () => {
    const error = new PlatformError(PlatformErrorCode.RateLimited, 'Slow down', { retryAfterMs: 5 });
    await expect(answer(() => Promise.reject(error), options('message'))).resolves.toEqual({
      ok: false,
      code: 'RATE_LIMITED',
      message: 'Slow down',
      details: { retryAfterMs: 5 },
    });
    await expect(
      answer(() => {
        throw new PlatformError(PlatformErrorCode.Forbidden, 'No');
      }, options('message')),
    ).resolves.toEqual({ ok: false, code: 'FORBIDDEN', message: 'No' });
  });

  it('should answer a thrown AppError with its code alone in the code style', async () => {
    const error = new PlatformError(PlatformErrorCode.NotFound, 'Gone', { id: 1 });
    await expect(answer(() => Promise.reject(error), options('code'))).resolves.toEqual({
      ok: false,
      code: 'NOT_FOUND',
    });
  });

  it('should name the first bad field of a payload in the message style', async () => {
    const run = (): object => parsePayload(Produce, { transportId: ID, layer: 1, appData: { source: 'radio' } });
    await expect(answer(run, options('message'))).resolves.toEqual({
      ok: false,
      code: 'VALIDATION_FAILED',
      message: 'appData.source must be one of mic, screen',
      details: { field: 'appData.source' },
    });
    await expect(answer(run, options('code'))).resolves.toEqual({ ok: false, code: 'VALIDATION_FAILED' });
  });

  it('should log an unknown error and answer INTERNAL without its message', async () => {
    const log = logger();
    const boom = new Error('db down');
    await expect(answer(() => Promise.reject(boom), options('message', log))).resolves.toEqual({
      ok: false,
      code: 'INTERNAL',
      message: 'Internal error',
    });
    expect(log.error).toHaveBeenCalledWith({ err: boom, requestId: 'r1' }, 'request failed');
    await expect(answer(() => Promise.reject(boom), options('code', log))).resolves.toEqual({
      ok: false,
      code: 'INTERNAL',
    });
  });

  it('should answer an error its translate hook knows as that AppError, without logging', async () => {
    const log = logger();
    const sut = await answer(
      () => {
        throw new TypeError('invalid codec');
      },
      {
        ...options('message', log),
        translate: (error) =>
          error instanceof TypeError ? new PlatformError(PlatformErrorCode.ValidationFailed, error.message) : undefined,
      },
    );
    expect(sut).toEqual({ ok: false, code: 'VALIDATION_FAILED', message: 'invalid codec' });
    expect(log.error).not.toHaveBeenCalled();
  });
});

describe(failureAck.name, () => {
  it('should keep a VALIDATION_FAILED without field details as it is', () => {
    const error = new PlatformError(PlatformErrorCode.ValidationFailed, 'bad', { field: 'x' });
    expect(failureAck(error, 'message')).toEqual({
      ok: false,
      code: 'VALIDATION_FAILED',
      message: 'bad',
      details: { field: 'x' },
    });
  });
});
