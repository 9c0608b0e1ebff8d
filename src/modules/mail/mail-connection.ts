import { ImapFlow } from 'imapflow';
import { isIP, type LookupFunction } from 'node:net';
import { createTransport } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { AddressClass } from 'src/common/net/address-policy';
import { MailSecurity } from './mail-account.entity';
import { hostNotAllowed, type HostField } from './mail-host-policy';

export interface ServerCredentials {
  host: string;
  port: number;
  security: MailSecurity;
  user: string;
  password: string;
}

/**
 * Where a connection attempt stopped. Before the server has spoken IMAP or SMTP every failure is `unreachable`
 * (refused, reset, timed out, a failed TLS handshake, something that is not a mail server), so the answer does not
 * tell a closed port from an open one; `tls`, `auth` and `protocol` only come after a proper greeting.
 */
export enum ConnectionStage {
  Dns = 'dns',
  Unreachable = 'unreachable',
  Tls = 'tls',
  Auth = 'auth',
  Protocol = 'protocol',
}

export interface SideResult {
  ok: boolean;
  stage?: ConnectionStage;
  message?: string;
  latencyMs: number;
}

type Protocol = 'IMAP' | 'SMTP';

type CodedError = Error & {
  code?: string;
  command?: string;
  authenticationFailed?: boolean;
  responseCode?: number;
  addressClass?: AddressClass;
};

const DNS_CODES = ['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EDNS'];

/** A login refused by a server that spoke the protocol. */
export function isAuthFailure(error: CodedError): boolean {
  return (
    error.authenticationFailed === true ||
    error.code === 'EAUTH' ||
    /AUTHENTICATIONFAILED|auth(entication)? failed|invalid credentials|535/i.test(
      `${error.code ?? ''} ${error.message}`,
    )
  );
}

/** Maps an error to a stage; `spoke`: the server had greeted in its protocol before the failure. */
export function classifyConnectionError(error: CodedError, spoke: boolean): ConnectionStage {
  if (DNS_CODES.includes(error.code ?? '')) {
    return ConnectionStage.Dns;
  }
  if (!spoke) {
    return ConnectionStage.Unreachable;
  }
  if (isAuthFailure(error)) {
    return ConnectionStage.Auth;
  }
  if (
    /^(ETLS|ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_VERIFY|DEPTH_ZERO|SELF_SIGNED|EPROTO)/.test(error.code ?? '') ||
    /TLS|SSL|certificate/i.test(error.message)
  ) {
    return ConnectionStage.Tls;
  }
  return ConnectionStage.Protocol;
}

const HUMAN: Record<ConnectionStage, (protocol: Protocol) => string> = {
  [ConnectionStage.Dns]: () => 'The host name does not resolve',
  [ConnectionStage.Unreachable]: (protocol) =>
    `No ${protocol} server answered on that host and port (nothing accepted the connection, it did not answer in ` +
    `time, the TLS handshake failed, or what answered does not speak ${protocol})`,
  [ConnectionStage.Tls]: () =>
    'The server greeted, but the secure connection could not be set up (STARTTLS refused, or a bad certificate)',
  [ConnectionStage.Auth]: () => 'The server refused the user name or password (an app password may be needed)',
  [ConnectionStage.Protocol]: (protocol) => `The ${protocol} server greeted, but the session failed before login`,
};

/** The stage and a fixed sentence for it: never the socket's or the peer's own words. */
export function describeFailure(
  error: unknown,
  spoke: boolean,
  protocol: Protocol,
): { stage: ConnectionStage; message: string } {
  const stage = classifyConnectionError(error as CodedError, spoke);
  return { stage, message: HUMAN[stage](protocol) };
}

function failure(error: unknown, spoke: boolean, protocol: Protocol, started: number): SideResult {
  return { ok: false, ...describeFailure(error, spoke, protocol), latencyMs: Date.now() - started };
}

/** The answer for a side whose host name did not resolve (nothing was connected to). */
export function dnsFailure(started: number): SideResult {
  return { ok: false, stage: ConnectionStage.Dns, message: HUMAN.dns('IMAP'), latencyMs: Date.now() - started };
}

/** A socket lookup that refused the address (the name changed its answer after the check): the same 400. */
function rethrowRefusal(error: unknown, field: HostField, host: string): void {
  const err = error as CodedError;
  if (err.code === 'EADDRNOTALLOWED' && err.addressClass) {
    throw hostNotAllowed(field, host, err.addressClass);
  }
}

/**
 * imapflow options for an account's IMAP side; the same for the test, the sync and interactive connections.
 * `lookup` (the MailHostPolicy's) goes into the socket options, so the address connected to is checked too.
 */
export function imapOptions(
  server: ServerCredentials,
  timeoutMs: number,
  lookup: LookupFunction,
): ConstructorParameters<typeof ImapFlow>[0] {
  return {
    host: server.host,
    port: server.port,
    secure: server.security === MailSecurity.Tls,
    doSTARTTLS:
      server.security === MailSecurity.StartTls ? true : server.security === MailSecurity.None ? false : undefined,
    auth: { user: server.user, pass: server.password },
    tls: { lookup },
    logger: false,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: 5 * 60_000,
    emitLogs: false,
  };
}

/** The server greeted in IMAP (an OK or PREAUTH greeting) on this client. */
export function imapSpoke(client: ImapFlow): boolean {
  return client.greeting !== undefined || client.authenticated === true;
}

/** Connects and logs in, then logs out: answers whether, or where, it fails. The host was checked by the caller. */
export async function testImap(
  server: ServerCredentials,
  timeoutMs: number,
  lookup: LookupFunction,
): Promise<SideResult> {
  const started = Date.now();
  // A server that greets and then says nothing must not hold the request for the sync's 5-minute socket timeout.
  const client = new ImapFlow({ ...imapOptions(server, timeoutMs, lookup), socketTimeout: timeoutMs * 3 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.logout();
    return { ok: true, latencyMs: Date.now() - started };
  } catch (error) {
    client.close();
    rethrowRefusal(error, 'imap.host', server.host);
    return failure(error, imapSpoke(client), 'IMAP', started);
  }
}

/**
 * nodemailer options for an account's SMTP side. nodemailer resolves names itself (its own resolver and cache, no
 * `lookup` option), so it is given `address`, one the MailHostPolicy verified, and the name only for TLS (SNI and
 * the certificate check).
 */
export function smtpOptions(server: ServerCredentials, address: string, timeoutMs: number): SMTPTransport.Options {
  const servername = isIP(server.host) ? undefined : server.host;
  return {
    host: address,
    port: server.port,
    secure: server.security === MailSecurity.Tls,
    requireTLS: server.security === MailSecurity.StartTls,
    ignoreTLS: server.security === MailSecurity.None,
    ...(servername ? { servername, tls: { servername } } : {}),
    auth: { user: server.user, pass: server.password },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs * 3,
  };
}

/** nodemailer marks errors from before and during the greeting with command `CONN`. */
export function smtpSpoke(error: unknown): boolean {
  const command = (error as CodedError).command;
  return typeof command === 'string' && command !== 'CONN';
}

/** Connects, negotiates and authenticates (nodemailer's verify) against the verified `address`, without sending. */
export async function testSmtp(server: ServerCredentials, address: string, timeoutMs: number): Promise<SideResult> {
  const started = Date.now();
  const transport = createTransport(smtpOptions(server, address, timeoutMs));
  try {
    await transport.verify();
    return { ok: true, latencyMs: Date.now() - started };
  } catch (error) {
    return failure(error, smtpSpoke(error), 'SMTP', started);
  } finally {
    transport.close();
  }
}
