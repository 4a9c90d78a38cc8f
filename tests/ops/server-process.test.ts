// The real server as a child process (src/server.ts, bundled once per run by tests/helpers/build-entries.ts) on a
// temp database and a real SMTP server:
// health and metrics answer, and SIGTERM during a send exits cleanly within the bound with a consistent ledger.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runIngest } from '../../src/ingest/run-ingest.js';
import { prepareEdition } from '../../src/digest/prepare.js';
import { openDatabase } from '../../src/db/open.js';
import { startSlowSmtp, type SlowSmtp } from './slow-smtp.js';
import { entryPath } from '../helpers/entries.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SUBSCRIBERS = 12;

interface Running {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  port: number;
  exit: Promise<{ code: number | null; at: number }>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A database holding a prepared edition whose deliveries are all due, as a restart after a crash would find it. */
async function seededDatabase(): Promise<string> {
  const clock = fixedClock('2026-08-21T07:00:00.000Z');
  const app = createTestApp({}, { clock });
  for (let i = 0; i < SUBSCRIBERS; i++) app.subscriptions.repo.create({ email: `reader${i}@example.org`, status: 'active', now: clock.now().toISOString() });
  await runIngest({ ...app, sources: app.sources() }, { days: 7 });
  const prepared = prepareEdition(app, '2026-08-21', app.prepareSettings);
  expect(prepared.deliveries).toBe(SUBSCRIBERS);
  const path = app.config.databasePath;
  await app.close(); // the folder stays until the test ends: the server uses the file
  cleanups.push(() => rmSync(app.dir, { recursive: true, force: true }));
  return path;
}

async function startServer(databasePath: string, env: Record<string, string>): Promise<Running> {
  const empty = join(databasePath, '..', 'no-papers');
  mkdirSync(empty, { recursive: true });
  const child = spawn(process.execPath, [entryPath('server')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      ENV_FILE: 'none',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_PATH: databasePath,
      SECRET_KEY: 'test-secret-test-secret-test-secret-0123',
      PUBLIC_BASE_URL: 'https://papers.example.org',
      SOURCES: 'file',
      FILE_SOURCE_PATH: empty,
      SEND_RETRY_BASE_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: Date.now() })));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 90_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.event === 'server.started') {
          clearTimeout(timer);
          resolve(entry.port as number);
        }
      } catch {
        // not a log line
      }
    });
    void exit.then(({ code }) => reject(new Error(`server exited early (${code}): ${stderr}`)));
  });
  return { child, logs, port, exit };
}

function ledger(path: string): Record<string, number> {
  const db = openDatabase(path);
  try {
    const rows = db.prepare('SELECT status, count(*) AS n FROM deliveries GROUP BY status').all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  } finally {
    db.close();
  }
}

// A server process loads the app and MJML before it serves: allow for a busy machine (the waits are on events; the
// shutdown bounds asserted below are the server's own).
describe('the server process', { timeout: 120_000 }, () => {
  let smtp: SlowSmtp;

  it('serves health and metrics, and on SIGTERM lets in-flight sends finish and exits 0 within the bound', async () => {
    smtp = await startSlowSmtp(250);
    cleanups.push(() => smtp.close());
    const db = await seededDatabase();
    const server = await startServer(db, { SMTP_URL: smtp.url, SMTP_MAX_CONNECTIONS: '2', SHUTDOWN_TIMEOUT_SECONDS: '5' });
    const base = `http://127.0.0.1:${server.port}`;

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(`papers_subscribers{status="active"} ${SUBSCRIBERS}`);
    expect(metrics).toMatch(/papers_daily_job_last_success_timestamp_seconds \d/);

    // The start-up tick sends the due deliveries, two at a time, 250 ms each: stop in the middle.
    await smtp.waitForAccepted(3);
    const termAt = Date.now();
    server.child.kill('SIGTERM');
    const { code, at } = await server.exit;
    expect(code).toBe(0);
    expect(at - termAt).toBeLessThan(5000);

    const l = ledger(db);
    expect(l.sending ?? 0).toBe(0);
    expect((l.sent ?? 0) + (l.pending ?? 0)).toBe(SUBSCRIBERS);
    expect(l.pending ?? 0).toBeGreaterThan(0); // it really stopped mid-send
    // What the ledger calls sent is exactly what the SMTP server accepted: no in-flight send was lost.
    expect(l.sent).toBe(smtp.accepted.length);
    expect(new Set(smtp.accepted).size).toBe(smtp.accepted.length);
    expect(server.logs.find((e) => e.event === 'server.stopped')).toMatchObject({ finished: true });
    // No email address is logged above debug.
    expect(server.logs.filter((e) => JSON.stringify(e).includes('@example.org'))).toEqual([]);
  });

  it('releases the claims of sends that outlast the bound, and still exits 0 within it', async () => {
    smtp = await startSlowSmtp(60_000); // a mail server that never answers in time
    cleanups.push(() => smtp.close());
    const db = await seededDatabase();
    const server = await startServer(db, { SMTP_URL: smtp.url, SMTP_MAX_CONNECTIONS: '2', SHUTDOWN_TIMEOUT_SECONDS: '2' });
    const start = Date.now();
    while (smtp.inFlight() < 2) {
      if (Date.now() - start > 60_000) throw new Error('no send in flight');
      await new Promise((r) => setTimeout(r, 20));
    }
    const termAt = Date.now();
    server.child.kill('SIGTERM');
    const { code, at } = await server.exit;
    expect(code).toBe(0);
    expect(at - termAt).toBeLessThan(2000 + 1000);
    expect(ledger(db)).toEqual({ pending: SUBSCRIBERS });
    // At least the two in flight (the engine may also hold a batch claimed ahead).
    expect(server.logs.find((e) => e.event === 'server.claims_released')?.claims).toBeGreaterThanOrEqual(2);
    expect(server.logs.find((e) => e.event === 'server.stopped')).toMatchObject({ finished: false });
  });
});
