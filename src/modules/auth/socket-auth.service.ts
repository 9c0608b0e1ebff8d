import { Injectable, Logger } from '@nestjs/common';
import type { ExtendedError, Socket } from 'socket.io';
import { HandshakeError, handshakeRefusal, SocketData } from 'src/realtime/socket-handshake';
import { AuthUser } from 'src/common/auth/auth-user';
import { AuthError, AuthErrorCode } from './auth.errors';
import { SessionsService } from './sessions.service';
import { TokensService } from './tokens.service';
import { OrgError, OrgErrorCode } from 'src/modules/organizations/organizations.errors';

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

function tokenOf(handshake: Socket['handshake']): string | undefined {
  const auth = handshake.auth as { token?: unknown } | undefined;
  if (typeof auth?.token === 'string' && auth.token.length > 0) {
    return auth.token.replace(/^Bearer\s+/i, '');
  }
  const header = handshake.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}
