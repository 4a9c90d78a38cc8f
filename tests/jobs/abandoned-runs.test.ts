// A daily-run record left `running` by a run that died (kill -9 in the middle of its send) or that could not
// record its end (its lease expired: a full disk) is closed as failed ("abandoned") at the next start, the
// admin API and `papers status` say so at once, and the scheduler runs the day again. It used to stay `running`
// forever, even after a later `send` had finished everything.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runIngest } from '../../src/ingest/run-ingest.js';
import { closeAbandonedRuns, truthfulRun } from '../../src/jobs/abandoned-runs.js';
import { tryAcquireLock, withLock } from '../../src/jobs/lock.js';
import { createScheduler } from '../../src/jobs/scheduler.js';
import { createJobRunner } from '../../src/jobs/runner.js';
import { buildHttpApp } from '../../src/http/build-app.js';
import { statusReport } from '../../src/cli/status.js';
import { entryPath } from '../helpers/entries.js';

const NOW = '2026-08-21T07:00:00.000Z';
const TOKEN = 'admin-token-0123456789abcdef';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function appWithSubscribers(env: Record<string, string> = {}): Promise<{ app: TestApp; clock: ReturnType<typeof fixedClock> }> {
  const clock = fixedClock(NOW);
  const app = createTestApp({ ADMIN_TOKEN: TOKEN, CATCHUP_DAYS: '0', ...env }, { clock });
  cleanups.push(() => app.cleanup());
  await runIngest({ ...app, sources: app.sources() }, { days: 7 });
  for (let i = 0; i < 4; i++) app.subscriptions.repo.create({ email: `reader${i}@example.org`, status: 'active', now: NOW });
  return { app, clock };
}

const runRow = async (app: TestApp) => (await app.store.jobRun('daily', '2026-08-21'))!;

describe('abandoned daily runs', () => {
  it('a run killed with SIGKILL mid-send is shown and closed as abandoned, then run again to the end', async () => {
    const smtp = await startSmtpSink();
    cleanups.push(() => smtp.close());
    smtp.faults.dataDelayMs = () => 60_000; // the first message never finishes: the child is killed mid-send
    const { app, clock } = await appWithSubscribers({ SMTP_URL: smtp.url });
    const child = spawn(process.execPath, [entryPath('daily-child')], {
      env: { PATH: process.env.PATH ?? '', ...envOf(app), DAILY_NOW: NOW, DAILY_DATE: '2026-08-21' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    cleanups.push(() => void child.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (l) => l === 'sending' && resolve());
      child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    child.kill('SIGKILL');
    await exited;

    // What the dead run left: `running`, and its lock (unexpired lease) in the table.
    expect(await runRow(app)).toMatchObject({ status: 'running', attempts: 1 });
    // Read models tell the truth before anything is closed: its process is gone.
    expect(await truthfulRun(app.store, await runRow(app), clock.now())).toMatchObject({ status: 'failed', outcome_json: expect.stringContaining('JOB_ABANDONED') });
    const http = await buildHttpApp(app);
    cleanups.push(() => http.close());
    const api = (await http.inject({ url: '/api/admin/jobs/runs', headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(api.runs[0]).toMatchObject({ scheduled_for: '2026-08-21', status: 'failed', outcome: { abandoned: true } });
    expect((await statusReport(app, '2026-08-21')).lines.join('\n')).toMatch(/daily run 2026-08-21: failed \(attempt 1\) — JOB_ABANDONED/);

    // The next start closes it; the scheduler then runs the day again (counted as the second attempt).
    smtp.faults.dataDelayMs = undefined;
    expect(await closeAbandonedRuns(app)).toEqual(['2026-08-21']);
    expect(await runRow(app)).toMatchObject({ status: 'failed', finished_at: NOW });
    const scheduler = createScheduler(app, createJobRunner(app.logger));
    cleanups.push(() => scheduler.stop());
    const tick = await scheduler.tick();
    expect(tick.daily).toMatchObject({ date: '2026-08-21', result: { ran: true } });
    expect(await runRow(app)).toMatchObject({ status: 'ok', attempts: 2 });
    expect(app.db.prepare("SELECT status, count(*) AS n FROM deliveries GROUP BY status").all()).toEqual([{ status: 'sent', n: 4 }]);
    expect((await statusReport(app, '2026-08-21')).lines.join('\n')).toMatch(/daily run 2026-08-21: ok/);
  }, 60_000);

  it('a run whose lease expired (it could not record its end) is closed; a live run is left alone', async () => {
    const { app, clock } = await appWithSubscribers();
    const { store } = app;
    // Another host's run that stopped renewing its lease (its finish failed on a full disk, say).
    await store.startJobRun('daily', '2026-08-20', clock.now().toISOString(), 'schedule', 'other-host:4242:0badf00d');
    expect(tryAcquireLock(app.db, 'daily-job', 'other-host:4242:0badf00d', clock.now(), 5 * 60_000)).toBe(true);
    expect(await closeAbandonedRuns(app)).toEqual([]); // its lease still runs: it may be alive
    clock.advance(5 * 60_000);
    expect(await closeAbandonedRuns(app)).toEqual(['2026-08-20']);
    expect(await store.jobRun('daily', '2026-08-20')).toMatchObject({ status: 'failed', outcome_json: expect.stringContaining('"abandoned":true') });

    // A run of this process holding its lease is alive: not touched.
    await withLock(app, 'daily-job', { ttlMs: 60_000, renewMs: 30_000 }, async (lease) => {
      await store.startJobRun('daily', '2026-08-21', clock.now().toISOString(), 'manual', lease.owner);
      expect(await closeAbandonedRuns(app)).toEqual([]);
      expect((await truthfulRun(store, (await store.jobRun('daily', '2026-08-21'))!, clock.now())).status).toBe('running');
    });
    // Its lock released without recording the end (the finish write failed): abandoned at once.
    expect((await truthfulRun(store, (await store.jobRun('daily', '2026-08-21'))!, clock.now())).status).toBe('failed');
    expect(await closeAbandonedRuns(app)).toEqual(['2026-08-21']);
  });
});

/** The app's configuration back as environment variables, for a child that builds the same app. */
function envOf(app: TestApp): Record<string, string> {
  return {
    ENV_FILE: 'none',
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_PATH: app.config.databasePath,
    SMTP_URL: app.config.mail.smtpUrl ?? '',
    SMTP_MAX_CONNECTIONS: '1',
    PUBLIC_BASE_URL: app.config.publicBaseUrl,
    SECRET_KEY: app.config.secretKey,
    FILE_SOURCE_PATH: app.config.sources.filePath,
    SEND_RETRY_BASE_SECONDS: '0',
  };
}
