import { Injectable, Logger } from '@nestjs/common';
import type { ExtendedError, Socket } from 'socket.io';
import { AuthUser } from 'src/common/auth/auth-user';
import { AppError, PlatformErrorCode } from 'src/common/errors/app-error';
import { AuthError, AuthErrorCode } from 'src/modules/auth/auth.errors';
import { SessionsService } from 'src/modules/auth/sessions.service';
import { TokensService } from 'src/modules/auth/tokens.service';
import { OrgError, OrgErrorCode } from 'src/modules/organizations/organizations.errors';

/** What an authenticated socket carries (`socket.data`). */
export interface SocketData {
  user: AuthUser;
}

/** The error a refused handshake reaches the client with: `connect_error`'s `message` is the code. */
export interface HandshakeError extends ExtendedError {
  data: { code: string; message: string };
}

/**
 * Authenticates Socket.IO handshakes exactly like the HTTP AuthGuard authenticates requests: an access token
 * (`auth: { token }`, or an `Authorization: Bearer` header) that verifies, whose session is still live and whose
 * user is active. Organization API keys are refused: they act only on organization HTTP routes.
 * Every gateway installs `middleware()` on its namespace, so a refused client gets `connect_error` with the code.
 */
@Injectable()
export class SocketAuthService {
  private readonly logger = new Logger(SocketAuthService.name);

  constructor(
    private readonly tokens: TokensService,
    private readonly sessions: SessionsService,
  ) {}

  /** A namespace middleware: sets `socket.data.user` or refuses the connection. */
  middleware(): (socket: Socket, next: (error?: ExtendedError) => void) => void {
    return (socket, next) => {
      this.authenticate(socket).then(
        (user) => {
          (socket.data as SocketData).user = user;
          next();
        },
        (error: unknown) => next(this.refusal(error)),
      );
    };
  }

  async authenticate(socket: Pick<Socket, 'handshake'>): Promise<AuthUser> {
    const token = tokenOf(socket.handshake);
    if (!token) {
      throw new AuthError(
        AuthErrorCode.Unauthenticated,
        'Authentication required: connect with auth: { token: <access token> }',
      );
    }
    if (token.startsWith('sbk_')) {
      throw new OrgError(
        OrgErrorCode.ApiKeyNotAllowed,
        'API keys are not accepted on realtime connections; connect with a user access token',
      );
    }
    return this.sessions.validate(await this.tokens.verifyAccess(token));
  }

  private refusal(error: unknown): HandshakeError {
    return handshakeRefusal(error, this.logger, 'socket authentication failed');
  }
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

function tokenOf(handshake: Socket['handshake']): string | undefined {
  const auth = handshake.auth as { token?: unknown } | undefined;
  if (typeof auth?.token === 'string' && auth.token.length > 0) {
    return auth.token.replace(/^Bearer\s+/i, '');
  }
  const header = handshake.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}
