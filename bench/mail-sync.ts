/**
 * `npm run bench:mail-sync` — SPEC/issue target: Switchboard's initial sync of a 10 000-message mailbox within 2× of
 * a bare pipeline doing only the unavoidable work (imapflow fetch of every full source + mailparser parse of each,
 * nothing stored), measured in the same run against the same local Dovecot; plus the bare fetch alone, and search
 * latency (p50/p99 over the HTTP API) on the synced set.
 *
 * Starts a throwaway PostgreSQL, Redis and Dovecot (Maildir seeded directly in /dev/shm), then Switchboard in
 * process (API + worker). Search is then measured again at BENCH_SEARCH_SCALE messages (default 100 000: copies of the
 * synced rows written in SQL). Environment: BENCH_MESSAGES (default 10000), BENCH_SEARCHES (default 200).
 */
import { performance } from 'node:perf_hooks';
import { MikroORM } from '@mikro-orm/postgresql';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { createHttpApp } from 'src/bootstrap';
import { validateEnv } from 'src/config/env.schema';
import { SEARCH_RANK_WINDOW } from 'src/modules/mail/mail-messages.dto';
import { startDovecot, writeMaildirMessages } from '../scripts/local/dovecot';
import { localSecrets, startPostgres, startRedis } from '../scripts/local/services';
import { startSmtpSink } from '../scripts/local/smtp-sink';
import { migrate, runBench } from './servers';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000);
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 200);
const SEARCH_SCALE = Number(process.env.BENCH_SEARCH_SCALE ?? 100_000);
const EMAIL = 'bench@example.com';
const PASSWORD = 'bench-password-1';
const WORDS = [
  'invoice',
  'meeting',
  'walrus',
  'budget',
  'release',
  'coffee',
  'contract',
  'holiday',
  'report',
  'urgent',
];

function message(n: number): string {
  const word = (k: number) => WORDS[(n * 7 + k) % WORDS.length];
  const paragraph = Array.from(
    { length: 6 + (n % 20) },
    (_, k) => `Line ${k} about the ${word(k)} and the ${word(k + 3)}.`,
  ).join('\r\n');
  const headers = [
    `From: Person ${n % 97} <person${n % 97}@example.com>`,
    `To: ${EMAIL}`,
    `Subject: ${word(0)} ${word(1)} #${n}`,
    `Message-ID: <bench-${n}@example.com>`,
    `Date: ${new Date(Date.UTC(2024, 0, 1) + n * 60_000).toUTCString()}`,
    'MIME-Version: 1.0',
  ];
  if (n % 10 !== 0) {
    return [...headers, 'Content-Type: text/plain; charset=utf-8', '', paragraph, ''].join('\r\n');
  }
  return [
    ...headers,
    'Content-Type: multipart/alternative; boundary="alt"',
    '',
    '--alt',
    'Content-Type: text/plain; charset=utf-8',
    '',
    paragraph,
    '--alt',
    'Content-Type: text/html; charset=utf-8',
    '',
    `<html><body><p>${paragraph.replace(/\r\n/g, '<br>')}</p><img src="https://example.com/t.png"></body></html>`,
    '--alt--',
    '',
  ].join('\r\n');
}

async function bareSync(host: string, port: number, parse: boolean): Promise<number> {
  const client = new ImapFlow({ host, port, secure: false, auth: { user: EMAIL, pass: PASSWORD }, logger: false });
  await client.connect();
  const started = performance.now();
  const lock = await client.getMailboxLock('INBOX');
  let count = 0;
  const parsing: Promise<unknown>[] = [];
  try {
    for await (const m of client.fetch('1:*', {
      uid: true,
      flags: true,
      internalDate: true,
      size: true,
      source: true,
    })) {
      count++;
      if (parse && m.source) {
        parsing.push(simpleParser(m.source));
      }
    }
    await Promise.all(parsing);
  } finally {
    lock.release();
  }
  const elapsed = performance.now() - started;
  await client.logout();
  if (count !== MESSAGES) {
    throw new Error(`bare fetch saw ${count} messages, expected ${MESSAGES}`);
  }
  return elapsed;
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

async function main(): Promise<void> {
  const [pg, redis, imap, smtp] = await Promise.all([
    startPostgres({ ephemeral: true }),
    startRedis(),
    startDovecot({ parentDir: '/dev/shm' }),
    startSmtpSink(),
  ]);
  try {
    imap.addUser(EMAIL, PASSWORD);
    writeMaildirMessages(
      imap.maildirOf(EMAIL),
      'INBOX',
      Array.from({ length: MESSAGES }, (_, i) => message(i + 1)),
    );
    const env = { ...process.env, DATABASE_URL: pg.url, REDIS_URL: redis.url, ...localSecrets() };
    migrate(env);

    // Warm Dovecot's caches and indexes once, so neither side pays for the first read of the Maildir.
    await bareSync(imap.host, imap.port, false);
    const fetchOnly = await bareSync(imap.host, imap.port, false);
    const bare = await bareSync(imap.host, imap.port, true);

    const app = await createHttpApp(
      validateEnv({
        ...env,
        LOG_LEVEL: 'silent',
        MAIL_ALLOW_INSECURE: 'true',
        MAIL_ALLOWED_HOSTS: '127.0.0.1',
        RATE_LIMIT_MAX: '1000000',
        PORT: '0',
      }),
    );
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const json = async <T>(path: string, init: RequestInit = {}, token?: string): Promise<T> => {
      const res = await fetch(`${base}${path}`, {
        ...init,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...init.headers,
        },
      });
      return (await res.json()) as T;
    };
    try {
      const registered = await json<{ accessToken: string }>('/api/v1/auth/register', {
        method: 'POST',
        body: JSON.stringify({ email: 'owner@example.com', username: 'bench-owner', password: 'Correct-Horse-9' }),
      });
      const token = registered.accessToken;
      const org = await json<{ id: string }>(
        '/api/v1/organizations',
        { method: 'POST', body: JSON.stringify({ name: 'Bench' }) },
        token,
      );
      const headers = { 'x-organization-id': org.id };
      const started = performance.now();
      const account = await json<{ id: string }>(
        '/api/v1/mail/accounts',
        {
          method: 'POST',
          headers,
          body: JSON.stringify({
            email: EMAIL,
            password: PASSWORD,
            imap: { host: imap.host, port: imap.port, security: 'none' },
            smtp: { host: smtp.host, port: smtp.port, security: 'none' },
          }),
        },
        token,
      );
      let state = '';
      for (;;) {
        const current = await json<{ syncState: string }>(`/api/v1/mail/accounts/${account.id}`, { headers }, token);
        state = current.syncState;
        if (state === 'idle' || state.endsWith('error')) {
          break;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      const switchboard = performance.now() - started;
      const folders = (await json<{ role: string; total: number }[]>(
        `/api/v1/mail/accounts/${account.id}/folders`,
        { headers },
        token,
      )) as {
        role: string;
        total: number;
      }[];
      const synced = folders.find((f) => f.role === 'inbox')?.total;
      if (state !== 'idle' || synced !== MESSAGES) {
        throw new Error(`sync ended ${state} with ${synced} of ${MESSAGES} messages`);
      }

      const searchLatencies = async (sort: string): Promise<number[]> => {
        const latencies: number[] = [];
        for (let i = 0; i < SEARCHES; i++) {
          const q = `${WORDS[i % WORDS.length]} ${WORDS[(i * 3 + 1) % WORDS.length]}`;
          const t0 = performance.now();
          const res = await json<{ items?: unknown[] }>(
            `/api/v1/mail/search?q=${encodeURIComponent(q)}&sort=${sort}&limit=25`,
            { headers },
            token,
          );
          latencies.push(performance.now() - t0);
          if (!Array.isArray(res.items) || res.items.length === 0) {
            throw new Error(`search failed: ${JSON.stringify(res)}`);
          }
        }
        return latencies.sort((a, b) => a - b);
      };
      const latencies = await searchLatencies('relevance');

      // The scale for search: 100k messages. Copies of the synced rows (new UIDs, same words) make up the
      // rest, written in SQL; the generated tsvector and the GIN index are maintained as on a real sync.
      const connection = app.get<MikroORM>(MikroORM).em.getConnection();
      for (let copy = 1; copy * MESSAGES < SEARCH_SCALE; copy++) {
        await connection.execute(
          `insert into mail_messages (id, account_id, folder_id, uid_validity, uid, flags, seen, reference_ids, subject,
             from_address, to_addresses, cc_addresses, reply_to_addresses, internal_date, size, preview, text_body,
             html_body, has_attachments, attachments)
           select gen_random_uuid(), account_id, folder_id, uid_validity, uid + ${copy * MESSAGES}, flags, seen,
             reference_ids, subject, from_address, to_addresses, cc_addresses, reply_to_addresses,
             internal_date - interval '${copy * 365} days', size, preview, text_body, html_body, has_attachments,
             attachments
             from mail_messages where account_id = '${account.id}' and uid <= ${MESSAGES}`,
        );
      }
      await connection.execute('analyze mail_messages');
      const counted = await connection.execute<{ total: number }[]>(
        `select count(*)::int as total from mail_messages where account_id = '${account.id}'`,
      );
      const total = counted[0].total;
      const atScale = await searchLatencies('relevance');
      const atScaleByDate = await searchLatencies('date');
      // Reference: the same HTTP path (JWT, session, organization, permission) on a one-row read.
      const reference: number[] = [];
      for (let i = 0; i < SEARCHES; i++) {
        const t0 = performance.now();
        await json(`/api/v1/mail/accounts/${account.id}`, { headers }, token);
        reference.push(performance.now() - t0);
      }
      reference.sort((a, b) => a - b);

      const rows = [
        ['bare imapflow fetch (full sources)', fetchOnly],
        ['bare fetch + mailparser parse (baseline)', bare],
        ['Switchboard initial sync (API to idle)', switchboard],
      ] as const;
      process.stdout.write(`\nmail sync, ${MESSAGES} messages in INBOX, local Dovecot\n\n`);
      for (const [name, ms] of rows) {
        process.stdout.write(
          `${name.padEnd(44)} ${(ms / 1000).toFixed(2).padStart(7)} s   ${Math.round((MESSAGES * 1000) / ms)
            .toString()
            .padStart(6)} msg/s\n`,
        );
      }
      process.stdout.write(`\nratio Switchboard / baseline: ${(switchboard / bare).toFixed(2)}× (target ≤ 2×)\n`);
      const line = (label: string, sorted: number[]): void => {
        process.stdout.write(
          `${label.padEnd(58)} p50 ${percentile(sorted, 0.5).toFixed(1).padStart(6)} ms   p99 ${percentile(sorted, 0.99).toFixed(1).padStart(6)} ms\n`,
        );
      };
      process.stdout.write(
        `\nsearch over HTTP, ${SEARCHES} two-word queries each (every query matches 20-40 % of the mailbox)\n`,
      );
      line(`${MESSAGES} messages, ranked`, latencies);
      line(`${total} messages, ranked (newest ${SEARCH_RANK_WINDOW} matches)`, atScale);
      line(`${total} messages, newest first`, atScaleByDate);
      line('reference: GET /mail/accounts/{id} (same auth path)', reference);
    } finally {
      await app.close();
    }
  } finally {
    await Promise.all([imap.stop(), smtp.stop(), pg.stop(), redis.stop()]);
  }
}

runBench(main);
