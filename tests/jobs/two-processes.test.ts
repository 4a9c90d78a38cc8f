// Two real processes on one SQLite file tick at the same instant: exactly one runs the day, each subscriber
// gets one message, and job_runs holds one attempt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { startSlowSmtp, type SlowSmtp } from '../ops/slow-smtp.js';
import { entryPath } from '../helpers/entries.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NOW = '2026-08-21T07:00:00.000Z';

describe('two processes sharing a database', () => {
  let smtp: SlowSmtp;
  let app: TestApp;
  beforeAll(async () => {
    smtp = await startSlowSmtp(150);
    app = createTestApp({ SMTP_URL: smtp.url, SMTP_MAX_CONNECTIONS: '1', DIGEST_CRON: '0 7 * * *', DIGEST_TZ: 'UTC' }, { clock: fixedClock(NOW) });
    for (let i = 0; i < 6; i++) app.subscriptions.repo.create({ email: `reader${i}@example.org`, status: 'active', now: NOW });
  });
  afterAll(async () => {
    await app.cleanup();
    await smtp.close();
  });

  // Two processes load the app and MJML: allow for a busy machine (every wait is on an event).
  it('runs the daily job once', { timeout: 120_000 }, async () => {
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_PATH: app.config.databasePath,
      FILE_SOURCE_PATH: app.config.sources.filePath,
      SMTP_URL: smtp.url,
      SMTP_MAX_CONNECTIONS: '1',
      SECRET_KEY: app.config.secretKey,
      PUBLIC_BASE_URL: app.config.publicBaseUrl,
      DIGEST_CRON: '0 7 * * *',
      DIGEST_TZ: 'UTC',
      TICK_NOW: NOW,
    };
    const children = [0, 1].map(() => {
      const child = spawn(process.execPath, [entryPath('tick-child')], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'inherit'] });
      const lines = createInterface({ input: child.stdout! });
      const seen: string[] = [];
      const ready = new Promise<void>((resolve) => lines.on('line', (l) => (seen.push(l), l === 'ready' && resolve())));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      return { child, ready, exited, seen };
    });
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin!.write('go\n');
    const codes = await Promise.all(children.map((c) => c.exited));
    expect(codes).toEqual([0, 0]);
    const results = children.map((c) => JSON.parse(c.seen.at(-1)!) as { daily: { result: { ran: boolean; reason?: string } } | string });
    const ran = results.filter((r) => typeof r.daily === 'object' && r.daily.result.ran);
    expect(ran).toHaveLength(1);
    // The other found the lock held (they overlapped) or the day done (it came second): never a second run.
    const other = results.find((r) => !ran.includes(r))!;
    expect(['locked', 'done', 'not-due']).toContain(typeof other.daily === 'object' ? other.daily.result.reason : other.daily);
    expect(smtp.accepted.sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `reader${i}@example.org`));
    expect(await app.store.jobRun('daily', '2026-08-21')).toMatchObject({ status: 'ok', attempts: 1 });
  });
});
