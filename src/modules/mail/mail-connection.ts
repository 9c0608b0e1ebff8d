import { ImapFlow } from 'imapflow';
import { lookup } from 'node:dns/promises';
import { createTransport } from 'nodemailer';
import { MailSecurity } from './mail-account.entity';

export interface ServerCredentials {
  host: string;
  port: number;
  security: MailSecurity;
  user: string;
  password: string;
}

/** Where a connection attempt stopped. */
export enum ConnectionStage {
  Dns = 'dns',
  Connect = 'connect',
  Tls = 'tls',
  Auth = 'auth',
  Timeout = 'timeout',
  Protocol = 'protocol',
}

export interface SideResult {
  ok: boolean;
  stage?: ConnectionStage;
  message?: string;
  latencyMs: number;
}

type CodedError = Error & { code?: string; authenticationFailed?: boolean; responseCode?: number };

/** Maps a socket, TLS, IMAP or SMTP error to the stage a user can act on. */
export function classifyConnectionError(error: CodedError): ConnectionStage {
  const code = error.code ?? '';
  const text = `${code} ${error.message}`;
  if (
    error.authenticationFailed ||
    code === 'EAUTH' ||
    /AUTHENTICATIONFAILED|auth(entication)? failed|invalid credentials|535/i.test(text)
  ) {
    return ConnectionStage.Auth;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EDNS') {
    return ConnectionStage.Dns;
  }
  if (/TIMEOUT|ETIMEDOUT/i.test(code) || /timed? ?out/i.test(error.message)) {
    return ConnectionStage.Timeout;
  }
  if (
    /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_VERIFY|DEPTH_ZERO|SELF_SIGNED|EPROTO|ClosedAfterConnectTLS)/.test(code) ||
    /TLS|SSL|certificate|STARTTLS/i.test(error.message)
  ) {
    return ConnectionStage.Tls;
  }
  if (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'ECONNECTION',
      'ESOCKET',
      'NoConnection',
      'EConnectionClosed',
      'ClosedAfterConnectText',
    ].includes(code)
  ) {
    return ConnectionStage.Connect;
  }
  return ConnectionStage.Protocol;
}

const HUMAN: Record<ConnectionStage, string> = {
  [ConnectionStage.Dns]: 'The host name does not resolve',
  [ConnectionStage.Connect]: 'Nothing accepted the connection on that host and port',
  [ConnectionStage.Tls]: 'The secure connection failed (wrong security mode for this port, or a bad certificate)',
  [ConnectionStage.Auth]: 'The server refused the user name or password (an app password may be needed)',
  [ConnectionStage.Timeout]: 'The server did not answer in time',
  [ConnectionStage.Protocol]: 'The server answered unexpectedly',
};

function failure(error: unknown, started: number): SideResult {
  const err = error as CodedError;
  const stage = classifyConnectionError(err);
  return {
    ok: false,
    stage,
    message: `${HUMAN[stage]}: ${err.message}`.slice(0, 500),
    latencyMs: Date.now() - started,
  };
}

async function resolves(host: string): Promise<void> {
  await lookup(host);
}

/** imapflow options for an account's IMAP side; the same for the test, the sync and interactive connections. */
export function imapOptions(server: ServerCredentials, timeoutMs: number): ConstructorParameters<typeof ImapFlow>[0] {
  return {
    host: server.host,
    port: server.port,
    secure: server.security === MailSecurity.Tls,
    doSTARTTLS:
      server.security === MailSecurity.StartTls ? true : server.security === MailSecurity.None ? false : undefined,
    auth: { user: server.user, pass: server.password },
    logger: false,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: 5 * 60_000,
    emitLogs: false,
  };
}

/** Connects and logs in, then logs out: answers whether, or where, it fails. */
export async function testImap(server: ServerCredentials, timeoutMs: number): Promise<SideResult> {
  const started = Date.now();
  try {
    await resolves(server.host);
  } catch (error) {
    return failure(Object.assign(error as Error, { code: 'ENOTFOUND' }), started);
  }
  const client = new ImapFlow(imapOptions(server, timeoutMs));
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.logout();
    return { ok: true, latencyMs: Date.now() - started };
  } catch (error) {
    client.close();
    return failure(error, started);
  }
}

export function smtpOptions(server: ServerCredentials, timeoutMs: number) {
  return {
    host: server.host,
    port: server.port,
    secure: server.security === MailSecurity.Tls,
    requireTLS: server.security === MailSecurity.StartTls,
    ignoreTLS: server.security === MailSecurity.None,
    auth: { user: server.user, pass: server.password },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs * 3,
  };
}

/** Connects, negotiates and authenticates (nodemailer's verify), without sending. */
export async function testSmtp(server: ServerCredentials, timeoutMs: number): Promise<SideResult> {
  const started = Date.now();
  try {
    await resolves(server.host);
  } catch (error) {
    return failure(Object.assign(error as Error, { code: 'ENOTFOUND' }), started);
  }
  const transport = createTransport(smtpOptions(server, timeoutMs));
  try {
    await transport.verify();
    return { ok: true, latencyMs: Date.now() - started };
  } catch (error) {
    return failure(error, started);
  } finally {
    transport.close();
  }
}
