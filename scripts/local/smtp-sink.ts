/**
 * An SMTP server that keeps every message it receives, for the tests and benchmarks that send mail: it listens on
 * 127.0.0.1 on a free port, accepts any login (or only the one it is given), and records each message's envelope,
 * raw bytes and mailparser result.
 *
 *   const sink = await startSmtpSink();
 *   // nodemailer.createTransport(sink.url), or SMTP_URL=sink.url for the app
 *   const mail = await sink.waitFor((m) => m.parsed.subject === 'Welcome');
 *   await sink.stop();
 *
 * Development tooling like the rest of scripts/local: `smtp-server` and `mailparser` are devDependencies, and
 * nothing under src/ imports this file, so a production install (`npm ci --omit=dev`) never loads it.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ReceivedMail {
  envelope: {
    /** MAIL FROM address; '' for the null sender `<>`. */
    mailFrom: string;
    rcptTo: string[];
  };
  /** The user that logged in, if any. */
  user?: string;
  raw: Buffer;
  parsed: ParsedMail;
}

export interface SmtpSinkOptions {
  port?: number;
  /** Accept only this login and require one; without it any login (or none) is accepted. */
  auth?: { user: string; pass: string };
  /** Recipients refused at RCPT TO with 550 (to test bounces and permanent failures). */
  rejectRecipient?: (address: string) => boolean;
}

export interface RunningSmtpSink {
  host: string;
  port: number;
  /** `smtp://[user:pass@]127.0.0.1:port`, for nodemailer's createTransport or the app's SMTP_URL. */
  url: string;
  /** Every message received so far, oldest first. */
  messages: ReceivedMail[];
  /** The first message (already received or arriving within `timeoutMs`) that matches. */
  waitFor(predicate?: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Forgets the messages received so far. */
  clear(): void;
  stop(): Promise<void>;
}

const address = (value: SMTPServerAddress | false): string => (value ? value.address : '');

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<RunningSmtpSink> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const required = options.auth;

  const server = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS offered, AUTH allowed without TLS.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: !required,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    // Pooled clients (nodemailer `pool: true`) keep connections open: do not wait 30 s for them on stop().
    closeTimeout: 500,
    onAuth(auth, _session, callback) {
      if (required && (auth.username !== required.user || auth.password !== required.pass)) {
        callback(new Error('Invalid username or password'));
        return;
      }
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipient?.(address.address)) {
        callback(Object.assign(new Error(`<${address.address}>: Recipient address rejected`), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('error', callback);
      stream.once('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            messages.push({
              envelope: {
                mailFrom: address(session.envelope.mailFrom),
                rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              },
              user: typeof session.user === 'string' ? session.user : undefined,
              raw,
              parsed,
            });
            for (const wake of waiters) {
              wake();
            }
            callback();
          })
          .catch(callback);
      });
    },
  });
  server.on('error', () => undefined); // a client's broken connection is not the test's failure

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.server.removeListener('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as { port: number };
  const credentials = required ? `${encodeURIComponent(required.user)}:${encodeURIComponent(required.pass)}@` : '';

  const waitFor = (predicate: (mail: ReceivedMail) => boolean = () => true, timeoutMs = 10_000) =>
    new Promise<ReceivedMail>((resolve, reject) => {
      const check = (): boolean => {
        const found = messages.find(predicate);
        if (found) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
        return !!found;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`SMTP sink: no matching message within ${timeoutMs} ms (${messages.length} received)`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  let stopping: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    url: `smtp://${credentials}127.0.0.1:${port}`,
    messages,
    waitFor,
    clear: () => {
      messages.length = 0;
    },
    stop: () => (stopping ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}
