/**
 * A private, throwaway Dovecot IMAP server for the mail tests and benchmarks: its own config file, run directory,
 * log, users and Maildirs in a fresh temporary directory, listening on 127.0.0.1 on a free port. It never reads or
 * touches /etc/dovecot or a system instance. Needs the OS package `dovecot-imapd` (scripts/provision.sh installs it
 * for `npm test` and `npm run bench:*`).
 *
 *   const imap = await startDovecot();
 *   imap.addUser('ada@example.com', 'secret');
 *   writeMaildirMessages(imap.maildirOf('ada@example.com'), 'INBOX', [rawRfc822]);
 *   // imapflow: new ImapFlow({ host: imap.host, port: imap.port, secure: false, auth: { user, pass } })
 *   await imap.stop();
 *
 * As root (the usual case on the project's machines) Dovecot runs its processes as its own users and the mail
 * processes as nobody/nogroup, so the directory is world-readable and the mail tree belongs to nobody. As another
 * user every process runs as that user.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  fchownSync,
  futimesSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  openSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { connect } from 'node:net';
import { hostname, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, makeTraversable } from './services';

type Log = (line: string) => void;

export interface DovecotOptions {
  port?: number;
  /**
   * Where the temporary directory is created; the OS temp dir by default. A benchmark seeding many messages may
   * prefer a tmpfs such as /dev/shm (10 000 Maildir files take ~0.3 s there, 2-3 s on a plain disk).
   */
  parentDir?: string;
  /** Keep the directory (config, log, Maildirs) after stop(), to inspect a failure. */
  keep?: boolean;
  /** Extra lines appended to the generated dovecot.conf (later settings win). */
  extraConfig?: string;
  log?: Log;
}

export interface RunningDovecot {
  host: string;
  port: number;
  /** The instance's directory: dovecot.conf, dovecot.log, users/<user> (passwd-files), run/, mail/<user>/Maildir. */
  dir: string;
  configPath: string;
  logPath: string;
  /**
   * Adds a login, usable at once without a restart, and creates the user's Maildir. Calling it again for the same
   * user changes the password; Dovecot notices within about a second.
   */
  addUser(user: string, password: string): void;
  /** The user's Maildir (INBOX is its root, other folders are `.Name` beside cur/new/tmp). */
  maildirOf(user: string): string;
  /** Stops Dovecot (`dovecot -c FILE stop`), waits for its master process to end, deletes the directory. */
  stop(): Promise<void>;
}

export function dovecotBinary(): string {
  for (const candidate of ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot', '/usr/bin/dovecot']) {
    if (existsSync(candidate)) {
      return candidate;
    }
  }
  return 'dovecot';
}

interface MailOwner {
  uid: number;
  gid: number;
  user: string;
  group: string;
}

function lookupId(file: string, names: string[]): { name: string; id: number } | undefined {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  for (const name of names) {
    const line = lines.find((l) => l.startsWith(`${name}:`));
    if (line) {
      return { name, id: Number(line.split(':')[2]) };
    }
  }
  return undefined;
}

/** Who owns the mail: nobody/nogroup as root (Dovecot never runs mail processes as root), else the current user. */
function mailOwner(): MailOwner {
  if (process.getuid?.() !== 0) {
    const me = userInfo();
    const groupLine = existsSync('/etc/group')
      ? readFileSync('/etc/group', 'utf8')
          .split('\n')
          .find((l) => l.split(':')[2] === String(me.gid))
      : undefined;
    return { uid: me.uid, gid: me.gid, user: me.username, group: groupLine?.split(':')[0] ?? String(me.gid) };
  }
  const user = lookupId('/etc/passwd', ['nobody']);
  const group = lookupId('/etc/group', ['nogroup', 'nobody']);
  if (!user || !group) {
    throw new Error('startDovecot as root needs the user nobody and the group nogroup (or nobody)');
  }
  return { uid: user.id, gid: group.id, user: user.name, group: group.name };
}

/** mkdir -p where every directory it creates belongs to the mail owner, so Dovecot's mail processes can write. */
function mkdirOwned(path: string, owner: MailOwner): void {
  const missing: string[] = [];
  for (let current = path; !existsSync(current); current = dirname(current)) {
    missing.unshift(current);
  }
  for (const directory of missing) {
    mkdirSync(directory, { mode: 0o700 });
    if (process.getuid?.() === 0) {
      chownSync(directory, owner.uid, owner.gid);
    }
  }
}

const USER_NAME = /^[A-Za-z0-9_+@-][A-Za-z0-9._+@-]*$/;

function configFor(
  dir: string,
  port: number,
  owner: MailOwner,
  asRoot: boolean,
  instance: string,
  extraConfig = '',
): string {
  const mailboxes = ['Drafts', 'Sent', 'Trash', 'Junk', 'Archive']
    .map((name) => `  mailbox ${name} {\n    special_use = \\${name}\n    auto = subscribe\n  }`)
    .join('\n');
  // Without root, every process runs as the current user and nothing is chrooted.
  const unprivileged = asRoot
    ? ''
    : `default_internal_user = ${owner.user}
default_internal_group = ${owner.group}
default_login_user = ${owner.user}
service imap-login {
  chroot =
}
service anvil {
  chroot =
}
`;
  return `# Generated by scripts/local/dovecot.ts for one test or benchmark run; deleted when it stops.
instance_name = ${instance}
login_greeting = ${instance} ready.
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
# A wrong password fails within half a second (default: 2 s).
auth_failure_delay = 0 secs

mail_uid = ${owner.user}
mail_gid = ${owner.group}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:${dir}/mail/%u/Maildir
# Throwaway data: no fsync (the Maildir benchmark measures IMAP, not the disk).
mail_fsync = never
# Tests and benchmarks open many connections per user from one address (default 10).
mail_max_userip_connections = 10000

# IDLE: Dovecot learns of changes through inotify at once, and otherwise polls every mailbox_idle_check_interval
# (default 30 s). imap_idle_notify_interval is only the "* OK Still here" keepalive (default 2 mins).
mailbox_idle_check_interval = 1 secs

# One passwd-file per user: Dovecot re-reads a passwd-file at most once a second, but opens a file it has not seen
# yet at once, so a user added a moment ago can log in.
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users/%u
}
userdb {
  driver = static
  args = uid=${owner.user} gid=${owner.group} home=${dir}/mail/%u
}

namespace inbox {
  inbox = yes
  separator = /
${mailboxes}
}

service imap-login {
  # One login process for many connections ("high-performance mode") instead of one per connection.
  service_count = 0
  client_limit = 4096
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service imap {
  process_limit = 2048
}
# No login penalty per client address after a failed login (it delays the next logins by 2-15 s): tests fail
# logins on purpose. Mode 0 disables the listener, and auth runs without the penalty.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
${unprivileged}${extraConfig}
`;
}

/**
 * Dovecot in the foreground under a small sh watchdog: the shell holds our end of a pipe on its stdin and stops
 * Dovecot when it reads EOF, i.e. when this process ends however it ends (even SIGKILL, where no 'exit' handler
 * runs): SIGTERM, SIGKILL 5 s later if need be (a master still starting up can miss the SIGTERM), then it deletes
 * the directory ($2, empty with `keep`). When Dovecot ends first the watchdog ends too.
 */
const WATCHDOG = `exec 3<&0 0</dev/null
"$0" -F -c "$1" 3<&- &
dovecot=$!
( read -r _ <&3; : >"$1.orphaned"; kill -TERM "$dovecot" 2>/dev/null; sleep 5; kill -KILL "$dovecot" 2>/dev/null ) &
watcher=$!
exec 3<&-
wait "$dovecot"
status=$?
kill "$watcher" 2>/dev/null
if [ -e "$1.orphaned" ] && [ -n "$2" ]; then
  sleep 0.5
  rm -rf "$2"
fi
exit "$status"`;

/** Waits until Dovecot answers on `port` with this instance's own greeting (not just anything listening there). */
async function waitForGreeting(port: number, greeting: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const banner = await new Promise<string>((done) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      const finish = (): void => {
        socket.destroy();
        done(received);
      };
      socket.setTimeout(1_000, finish);
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (received.includes('\n')) {
          finish();
        }
      });
      socket.once('error', finish);
      socket.once('close', finish);
    });
    if (banner.startsWith('* OK') && banner.includes(greeting)) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`no Dovecot greeting on 127.0.0.1:${port} after ${timeoutMs} ms (got ${JSON.stringify(banner)})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startDovecot(options: DovecotOptions = {}): Promise<RunningDovecot> {
  const log = options.log ?? (() => undefined);
  const asRoot = process.getuid?.() === 0;
  const owner = mailOwner();
  const port = options.port ?? (await freePort());
  const parent = options.parentDir ?? tmpdir();
  mkdirSync(parent, { recursive: true });
  makeTraversable(parent, log);
  const dir = mkdtempSync(join(parent, 'switchboard-dovecot-'));
  // Dovecot's own unprivileged processes (auth reads users/, imap-login lives under run/) must reach it.
  chmodSync(dir, 0o755);
  const configPath = join(dir, 'dovecot.conf');
  const logPath = join(dir, 'dovecot.log');
  const usersDir = join(dir, 'users');
  const instance = `switchboard-${randomBytes(6).toString('hex')}`;
  mkdirSync(join(dir, 'state'), { mode: 0o750 });
  mkdirSync(usersDir, { mode: 0o755 });
  writeFileSync(configPath, configFor(dir, port, owner, asRoot, instance, options.extraConfig), { mode: 0o644 });
  mkdirOwned(join(dir, 'mail'), owner);

  const maildirOf = (user: string): string => join(dir, 'mail', user, 'Maildir');
  const addUser = (user: string, password: string): void => {
    if (!USER_NAME.test(user)) {
      throw new Error(`dovecot test user name not allowed: ${JSON.stringify(user)}`);
    }
    if (/[:\r\n]/.test(password)) {
      throw new Error('dovecot test passwords cannot contain ":" or line breaks (passwd-file format)');
    }
    const file = join(usersDir, user);
    const previous = existsSync(file) ? statSync(file).mtimeMs : undefined;
    writeFileSync(file, `${user}:{PLAIN}${password}::::::\n`, { mode: 0o644 });
    if (previous !== undefined) {
      // A changed password: a later mtime (whole seconds) makes Dovecot re-read the file at its next check.
      const later = new Date((Math.floor(previous / 1000) + 1) * 1000);
      utimesSync(file, later, later);
    }
    for (const sub of ['cur', 'new', 'tmp']) {
      mkdirOwned(join(maildirOf(user), sub), owner);
    }
  };

  const binary = dovecotBinary();
  const child: ChildProcess = spawn('/bin/sh', ['-c', WATCHDOG, binary, configPath, options.keep ? '' : dir], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = (chunk: Buffer): void => log(chunk.toString().trim());
  child.stdout?.on('data', output);
  child.stderr?.on('data', output);
  // A forgotten stop() must not keep the test process alive; the watchdog still stops Dovecot when it exits.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
  const ended = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const exited = ended.then((code) => {
    const tail = existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').slice(-15).join('\n') : '';
    const hint = code === 127 ? ` (${binary} not found: npm run provision installs dovecot-imapd)` : '';
    throw new Error(`dovecot exited with code ${code}${hint}; ${logPath}:\n${tail}`);
  });
  exited.catch(() => undefined);
  try {
    await Promise.race([waitForGreeting(port, `${instance} ready.`, 15_000), exited]);
  } catch (error) {
    // Through the watchdog, which stops Dovecot itself (killing the shell would leave Dovecot running).
    child.stdin?.end();
    await Promise.race([ended, new Promise((done) => setTimeout(done, 8_000))]);
    if (!options.keep) {
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    }
    throw error;
  }
  log(`dovecot ${instance} on 127.0.0.1:${port} in ${dir}`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        // `dovecot stop` signals the master and returns once it has exited (about a second).
        await new Promise<void>((done) => execFile(binary, ['-c', configPath, 'stop'], () => done()));
        // Should that not have worked: the watchdog's SIGTERM (stdin closed), then SIGKILL.
        const timers = [setTimeout(() => child.stdin?.end(), 3_000), setTimeout(() => child.kill('SIGKILL'), 8_000)];
        await ended;
        timers.forEach(clearTimeout);
        child.stdin?.destroy();
      }
      if (!options.keep) {
        // Child processes of the master may still be closing files for a moment.
        rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
      }
    })());

  return { host: '127.0.0.1', port, dir, configPath, logPath, addUser, maildirOf, stop };
}

/** One message for writeMaildirMessages: the raw RFC 822 text with its IMAP flags and internal date. */
export interface MaildirMessage {
  raw: string | Buffer;
  /** Maildir flag letters: D \Draft, F \Flagged, R \Answered, S \Seen, T \Deleted. */
  flags?: string;
  /** INTERNALDATE (the file's modification time); now by default. */
  date?: Date;
}

// Maildir base names sort like their creation order (seconds, then the M field), which is the order Dovecot gives
// UIDs in; one counter for the whole process keeps that true across calls.
const maildirEpoch = Math.floor(Date.now() / 1000);
let maildirCounter = 0;

/** RFC822.SIZE of a message: its bytes with every bare LF counted as CRLF (Maildir's W= field). */
function virtualSize(body: Buffer): number {
  let size = body.length;
  for (let i = body.indexOf(10); i !== -1; i = body.indexOf(10, i + 1)) {
    if (i === 0 || body[i - 1] !== 13) {
      size++;
    }
  }
  return size;
}

/**
 * Writes messages straight into a Maildir folder, the fastest way to seed a mailbox (10 000 messages in 0.3 s on a
 * tmpfs, 2-3 s on disk, where APPEND takes a round trip and a parse each). Dovecot picks them up at its next sync
 * of the folder (at once for an IDLE client) and gives them UIDs in the order written. The bytes are stored as
 * given (LF or CRLF line ends; Dovecot serves CRLF). `folder` is an IMAP name with `/` as separator: `INBOX` is the Maildir's root,
 * `Archive/2024` the Maildir++ directory `.Archive.2024` (so folder names cannot contain `.`). Messages go to `cur/` (with their flags) unless
 * `recent` asks for `new/`. As root, files and directories belong to nobody:nogroup like Dovecot's own.
 * Returns the paths written.
 */
export function writeMaildirMessages(
  maildir: string,
  folder: string,
  messages: Array<string | Buffer | MaildirMessage>,
  options: { recent?: boolean } = {},
): string[] {
  const owner = mailOwner();
  const asRoot = process.getuid?.() === 0;
  const isInbox = folder.toUpperCase() === 'INBOX';
  const folderDir = isInbox ? maildir : join(maildir, `.${folder.split('/').join('.')}`);
  const created = !existsSync(folderDir);
  for (const sub of ['cur', 'new', 'tmp']) {
    mkdirOwned(join(folderDir, sub), owner);
  }
  if (created && !isInbox) {
    writeFileSync(join(folderDir, 'maildirfolder'), '');
    if (asRoot) {
      chownSync(join(folderDir, 'maildirfolder'), owner.uid, owner.gid);
    }
  }
  const host = hostname().replace(/[/:,]/g, '_');
  const paths: string[] = [];
  for (const message of messages) {
    const {
      raw,
      flags = '',
      date,
    } = typeof message === 'string' || Buffer.isBuffer(message) ? { raw: message } : message;
    const body = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const n = maildirCounter++;
    // <time>.M<usec>P<pid>.<host>,S=<size on disk>,W=<RFC822.SIZE>[:2,<flags>]
    const base =
      `${maildirEpoch + Math.floor(n / 1_000_000)}.M${n % 1_000_000}P${process.pid}.${host}` +
      `,S=${body.length},W=${virtualSize(body)}`;
    if (!/^[A-Za-z]*$/.test(flags)) {
      throw new Error(`Maildir flags are letters (DFRST, a-z for keywords): ${JSON.stringify(flags)}`);
    }
    const letters = [...new Set(flags)].sort().join('');
    const path = options.recent ? join(folderDir, 'new', base) : join(folderDir, 'cur', `${base}:2,${letters}`);
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, body);
      if (asRoot) {
        fchownSync(fd, owner.uid, owner.gid);
      }
      if (date) {
        futimesSync(fd, date, date);
      }
    } finally {
      closeSync(fd);
    }
    paths.push(path);
  }
  return paths;
}
