// The multi-process deployment on PostgreSQL: 2 web processes (`npm start`'s bundled server, each with its scheduler)
// and 3 `papers worker` processes share one database and start together, 3,000 readers, one worker kill -9'd
// mid-send. Every scheduler wants the day's run at start-up (DIGEST_CRON's time has passed today), the lock and
// job_runs let exactly one run it (ingest, prepare, send); the workers claim beside it (FOR UPDATE SKIP LOCKED); the dead
// worker's claims come back by the crash rule and go out again with the same Message-ID. Meanwhile both web processes
// serve the same database: a subscribe answers 202, a one-click unsubscribe 200. Real processes, a real database, a
// real SMTP server in this process; the clock is the real one, so the sample week is moved to end yesterday.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { entryPath } from '../helpers/entries.js';
import { tempDir } from '../helpers/app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { receivedBy } from '../send/setup.js';

const AUDIENCE = 3000;
/** Each sender's SMTP pool: the killed worker can have at most this many messages in flight, hence duplicated. */
const CONNECTIONS = 3;
const SAMPLE = fileURLToPath(new URL('../../src/sample-data/hf-daily/', import.meta.url));
const DAY_MS = 86_400_000;
const SHUTDOWN_BUDGET_S = 8;

interface Child {
  name: string;
  child: ChildProcess;
  /** Parsed JSON log lines so far (pino), and every line as printed. */
  events: Record<string, unknown>[];
  out(): string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/**
 * The sample week, dated so that its last day is yesterday (UTC): the processes run on the real clock, and an
 * edition's candidates are the papers of the days before it. Every ISO date in the files moves by the same days.
 */
function sampleWeekEndingYesterday(dir: string): void {
  const files = readdirSync(SAMPLE).filter((n) => /^\d{4}-\d\d-\d\d\.json$/.test(n)).sort();
  const last = files.at(-1)!.slice(0, 10);
  const shift = Math.round((Date.parse(new Date(Date.now() - DAY_MS).toISOString().slice(0, 10)) - Date.parse(last)) / DAY_MS);
  const moved = (date: string) => new Date(Date.parse(date) + shift * DAY_MS).toISOString().slice(0, 10);
  mkdirSync(dir, { recursive: true });
  for (const name of files) {
    const text = readFileSync(join(SAMPLE, name), 'utf8').replace(/\b(\d{4}-\d\d-\d\d)(?=T\d\d:)/g, (d) => moved(d));
    writeFileSync(join(dir, `${moved(name.slice(0, 10))}.json`), text);
  }
}

describe('2 web processes and 3 sender workers on one PostgreSQL database, one worker killed mid-send', () => {
  let db: TestDatabase;
  let smtp: SmtpSink;
  let tmp: ReturnType<typeof tempDir>;
  const children: Child[] = [];

  beforeAll(async () => {
    tmp = tempDir('papers-instances-');
    sampleWeekEndingYesterday(join(tmp.dir, 'hf-daily'));
    smtp = await startSmtpSink();
    db = await createTestDatabase();
    // One statement for the whole audience (the Store's import goes row by row, checking each address).
    await db.pool.query(
      `INSERT INTO subscribers (email, status, created_at, updated_at, confirmed_at)
       SELECT 'reader' || lpad(i::text, 4, '0') || '@example.org', 'active', now(), now(), now() FROM generate_series(1, $1::int) AS i`,
      [AUDIENCE],
    );
  }, 60_000);
  afterAll(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await db?.drop();
    await smtp?.close();
    tmp?.cleanup();
  });

  const start = (name: string, args: string[], env: Record<string, string>): Child => {
    const child = spawn(process.execPath, args, {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        DATABASE_URL: db.url,
        SMTP_URL: smtp.url,
        SMTP_MAX_CONNECTIONS: String(CONNECTIONS),
        // High enough not to slow the test; sends are still paced as in production.
        SMTP_RATE_PER_SECOND: '2000',
        PUBLIC_BASE_URL: 'https://papers.example.org',
        MAIL_FROM: 'Trending Papers <digest@papers.example.org>',
        SECRET_KEY: 'test-secret-test-secret-test-secret-0123',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const events: Record<string, unknown>[] = [];
    let partial = '';
    child.stdout!.on('data', (b: Buffer) => {
      text += b.toString('utf8');
      const lines = (partial + b.toString('utf8')).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        try {
          events.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a log line
        }
      }
    });
    child.stderr!.on('data', (b: Buffer) => (text += b.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const c: Child = { name, child, events, out: () => text, exited };
    children.push(c);
    return c;
  };

  const web = (name: string) =>
    start(name, [entryPath('server')], {
      PORT: '0',
      HOST: '127.0.0.1',
      // Debug: the scheduler says why it did not run the day (scheduler.not_run, reason locked or done).
      LOG_LEVEL: 'debug',
      SCHEDULER_ENABLED: 'true',
      // Midnight UTC has always passed today: each process's start-up tick finds today's run due (not a catch-up).
      DIGEST_CRON: '0 0 * * *',
      DIGEST_TZ: 'UTC',
      SOURCES: 'file',
      FILE_SOURCE_PATH: join(tmp.dir, 'hf-daily'),
      OUTBOX_DIR: join(tmp.dir, 'outbox'),
      SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_BUDGET_S),
    });
  const worker = (name: string) => start(name, [entryPath('cli'), 'worker'], { LOG_LEVEL: 'info' });

  const event = (c: Child, name: string) => c.events.find((e) => e.event === name);
  const until = async <T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${children.map((c) => `--- ${c.name}\n${c.out().slice(-3000)}`).join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const count = async (sql: string, params: unknown[] = []) => (await db.pool.query<{ n: number }>(sql, params)).rows[0]!.n;

  it('runs the day once, every reader gets it, duplicates only for the killed worker in-flight messages', async () => {
    const t0 = Date.now();
    const today = new Date().toISOString().slice(0, 10);
    // The digests' List-Unsubscribe URLs (by Message-ID), read as they arrive; the raw messages are then dropped: 3,000
    // digests would otherwise sit in this process's heap.
    const unsubscribeUrls = new Map<string, string>();
    let tFirst: number | undefined;
    smtp.faults.onMessage = (m) => {
      if (m.messageId?.startsWith('<digest-') && unsubscribeUrls.size < 50) {
        const header = /^List-Unsubscribe:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)/im.exec(m.raw.toString('utf8'))?.[1] ?? '';
        const url = /<(https?:\/\/[^>]+)>/.exec(header.replace(/\r?\n[ \t]+/g, ' '))?.[1];
        if (url) unsubscribeUrls.set(m.messageId, url);
      }
      m.raw = Buffer.alloc(0);
      tFirst ??= Date.now();
    };
    const digests = () => smtp.messages.filter((m) => m.messageId?.startsWith('<digest-'));

    // All five at about the same moment.
    const webs = [web('web-1'), web('web-2')];
    const workers = [worker('worker-1'), worker('worker-2'), worker('worker-3')];
    const ports = await Promise.all(
      webs.map((w) => until(`${w.name} to listen`, () => event(w, 'server.started')?.port as number | undefined, 30_000)),
    );
    const tStarted = Date.now();

    // A fifth of the audience received: kill a worker that holds claims now (mid-send: some are with its SMTP pool).
    await until('a fifth of the digests', () => digests().length >= AUDIENCE / 5, 90_000);
    const tFifth = Date.now();
    const holding = await until(
      'a worker holding claims',
      async () => {
        const r = await db.pool.query<{ pid: number; n: number }>(
          `SELECT w.pid, count(*)::int AS n FROM deliveries d JOIN send_workers w ON w.owner = d.claim_owner
           WHERE d.status = 'sending' AND w.pid = ANY($1::int[]) GROUP BY w.pid ORDER BY n DESC`,
          [workers.map((w) => w.child.pid)],
        );
        return r.rows[0];
      },
      30_000,
    );
    const killed = workers.find((w) => w.child.pid === holding.pid)!;
    killed.child.kill('SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');
    const atKill = digests().length;

    // While the job runs (its send is still going), both web processes serve the same database.
    const running = await db.pool.query<{ status: string }>(`SELECT status FROM job_runs WHERE job = 'daily' AND scheduled_for = $1::date`, [today]);
    expect(running.rows).toEqual([{ status: 'running' }]);
    for (const [i, port] of ports.entries()) {
      const res = await fetch(`http://127.0.0.1:${port}/api/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `newcomer${i}@example.org` }),
      });
      expect(res.status, `subscribe on ${webs[i]!.name}`).toBe(202);
    }
    // One-click unsubscribes (RFC 8058) of readers whose digest is recorded as sent, one through each web process.
    const sentIds = await db.pool.query<{ message_id: string; subscriber_id: number }>(
      `SELECT message_id, subscriber_id FROM deliveries WHERE status = 'sent' AND message_id = ANY($1::text[]) ORDER BY id LIMIT 2`,
      [[...unsubscribeUrls.keys()]],
    );
    expect(sentIds.rows).toHaveLength(2);
    for (const [i, port] of ports.entries()) {
      const link = new URL(unsubscribeUrls.get(sentIds.rows[i]!.message_id)!);
      const res = await fetch(`http://127.0.0.1:${port}${link.pathname}${link.search}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(res.status, `unsubscribe on ${webs[i]!.name}`).toBe(200);
      expect(await res.json()).toEqual({ status: 'unsubscribed' });
    }
    // The subscribe intake writes after answering 202: the newcomers appear (pending) a moment later.
    const statuses = await until(
      'the newcomers written',
      async () => {
        const r = await db.pool.query<{ status: string }>(
          `SELECT status FROM subscribers WHERE id = ANY($1::bigint[]) OR email IN ('newcomer0@example.org', 'newcomer1@example.org') ORDER BY email`,
          [sentIds.rows.map((r) => r.subscriber_id)],
        );
        return r.rows.length === 4 && r.rows.map((x) => x.status);
      },
      10_000,
    );
    expect(statuses).toEqual(['pending', 'pending', 'unsubscribed', 'unsubscribed']);

    // Everything sent (the dead worker's claims requeued by a survivor and sent again), and the day's run recorded.
    await until(
      'every delivery sent and the run finished',
      async () =>
        (await count(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'sent'`)) === AUDIENCE &&
        (await count(`SELECT count(*)::int AS n FROM job_runs WHERE job = 'daily' AND status <> 'running'`)) === 1,
      90_000,
    );
    const tAllSent = Date.now();
    const exitMs: Record<string, number> = {};
    const survivors = [...webs, ...workers.filter((w) => w !== killed)];
    for (const c of survivors) c.child.kill('SIGTERM');
    const exits = await Promise.all(survivors.map((c) => c.exited.then((e) => ((exitMs[c.name] = Date.now() - tAllSent), e))));
    const tStopped = Date.now();
    for (const [i, e] of exits.entries()) expect(e, `${survivors[i]!.name}\n${survivors[i]!.out().slice(-3000)}`).toEqual({ code: 0, signal: null });
    // Each within the web processes' shutdown budget (a worker has nothing in flight once the queue is empty).
    for (const c of survivors) expect(exitMs[c.name], `${c.name} stopping\n${c.out().slice(-3000)}`).toBeLessThan(SHUTDOWN_BUDGET_S * 1000);

    // The day ran exactly once, on its first attempt, although every web process's scheduler wanted it at start-up.
    const runs = await db.pool.query<{ scheduled_for: string; status: string; attempts: number; owner: string; triggered_by: string }>(
      `SELECT scheduled_for::text, status, attempts, owner, triggered_by FROM job_runs WHERE job = 'daily'`,
    );
    expect(runs.rows).toEqual([{ scheduled_for: today, status: 'ok', attempts: 1, owner: expect.any(String), triggered_by: 'schedule' }]);
    const editions = await db.pool.query<{ date: string; status: string }>('SELECT date::text, status FROM editions');
    expect(editions.rows).toEqual([{ date: today, status: 'ready' }]);
    for (const w of webs) expect(event(w, 'scheduler.started'), w.name).toBeDefined();
    const winners = webs.filter((w) => event(w, 'job.daily_started'));
    expect(winners).toHaveLength(1);
    expect(runs.rows[0]!.owner).toContain(String(winners[0]!.child.pid));
    // The other one's start-up tick found the day due and did not run it: the lock was held (or the run done).
    const loser = webs.find((w) => w !== winners[0])!;
    const notRun = loser.events.filter((e) => e.event === 'scheduler.not_run');
    expect(notRun.length).toBeGreaterThanOrEqual(1);
    expect(notRun[0]).toMatchObject({ date: today });
    expect(['locked', 'done']).toContain(notRun[0]!.reason);
    // The kill landed mid-send (it held claims, above); a survivor applied the crash rule: the dead sender's
    // registration is gone and what it held was sent again (every delivery is sent, below).
    expect(await count('SELECT count(*)::int AS n FROM send_workers WHERE pid = $1', [killed.child.pid])).toBe(0);

    // Every reader got the digest; the only duplicates are the killed worker's in-flight messages, same Message-ID.
    const byReader = receivedBy(digests());
    expect(byReader.size).toBe(AUDIENCE);
    const duplicated = [...byReader.entries()].filter(([, ids]) => ids.length > 1);
    expect(duplicated.length).toBeLessThanOrEqual(CONNECTIONS);
    for (const [, ids] of duplicated) expect(new Set(ids).size).toBe(1);
    expect(digests().length).toBe(AUDIENCE + duplicated.reduce((n, [, ids]) => n + ids.length - 1, 0));
    // The ledger agrees: everyone sent, nothing left claimed, one never-twice row per reader.
    const rows = await db.pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM deliveries GROUP BY status');
    expect(rows.rows).toEqual([{ status: 'sent', n: AUDIENCE }]);
    expect(await count('SELECT count(*)::int AS n FROM sent_papers')).toBe(AUDIENCE);

    console.info(
      `instances: listening ${tStarted - t0} ms, first message ${(tFirst ?? t0) - t0} ms, a fifth received ${tFifth - t0} ms, killed at ${atKill} digests (${holding.n} claims held), ` +
        `all sent ${tAllSent - t0} ms, stopped ${tStopped - t0} ms (${JSON.stringify(exitMs)}); duplicates ${duplicated.length}; digests per process: ` +
        children.map((c) => `${c.name} ${c.events.filter((e) => e.event === 'send.done').reduce((n, e) => n + (e.sent as number), 0)}`).join(', '),
    );
  }, 180_000);
});
