import type { Logger } from '@nestjs/common';
import type { ExtendedError } from 'socket.io';
import type { AuthUser } from 'src/common/auth/auth-user';
import { AppError, PlatformErrorCode } from 'src/common/errors/app-error';

/** What an authenticated socket carries (`socket.data`). */
export interface SocketData {
  user: AuthUser;
}

/** The error a refused handshake reaches the client with: `connect_error`'s `message` is the code. */
export interface HandshakeError extends ExtendedError {
  data: { code: string; message: string };
}

/**
 * What a namespace middleware passes to `next()` to refuse a handshake: the client's `connect_error` carries the
 * error's code and message; anything but an AppError is logged and refused as `INTERNAL`.
 */
export function handshakeRefusal(error: unknown, logger: Logger, what: string): HandshakeError {
  if (error instanceof AppError) {
    const { code, message } = error as AppError;
    return Object.assign(new Error(code), { data: { code, message } });
  }
  logger.error({ err: error }, what);
  const code = PlatformErrorCode.Internal;
  return Object.assign(new Error(code), { data: { code, message: 'Internal error' } });
}
