// A full disk, for real: the server runs as a child process under a file-size limit (`ulimit -S -f`, per file),
// so the SQLite write-ahead log cannot grow past it and writes fail (SQLITE_IOERR_WRITE / SQLITE_FULL) while the
// process lives on. Subscribe requests keep being answered 202 and are kept, not dropped (the intake retries them);
// /readyz turns 503 while /healthz stays 200; once the limit is lifted (prlimit) the kept requests are written and
// /readyz is 200 again. It used to answer /readyz 200 and drop every request whose write failed.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTestApp } from '../helpers/app.js';
import { openDatabase } from '../../src/db/open.js';
import { entryPath } from '../helpers/entries.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startLimitedServer(databasePath: string, outbox: string, limitKb: number): Promise<{ child: ChildProcess; base: string; exit: Promise<number | null> }> {
  // bash sets only the soft limit (-S): the same user may lift it later, as an operator freeing space would.
  const child = spawn('bash', ['-c', `ulimit -S -f ${limitKb} && exec "${process.execPath}" "${entryPath('server')}"`], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      ENV_FILE: 'none',
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_PATH: databasePath,
      OUTBOX_DIR: outbox,
      SECRET_KEY: 'test-secret-test-secret-test-secret-0123',
      PUBLIC_BASE_URL: 'https://papers.example.org',
      SCHEDULER_ENABLED: 'false',
      SUBSCRIBE_RATE_LIMIT_PER_MINUTE: '1000000',
      READYZ_WRITE_PROBE_SECONDS: '1',
      DISK_FREE_FLOOR_MB: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => void (child.exitCode === null && child.kill('SIGKILL')));
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('"server.started"')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
    void exit.then((code) => reject(new Error(`server exited early (${code}): ${stderr}`)));
  });
  return { child, base: `http://127.0.0.1:${port}`, exit };
}

/** Ten long topics per reader: each write takes more pages, so the log meets the limit sooner. */
const TOPICS = (i: number) => Array.from({ length: 10 }, (_, k) => `topic ${k} of reader ${i}: long context retrieval, agents`);

const metric = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}"=]/g, '\\$&')} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);

describe('a full disk', () => {
  it('keeps subscribe requests and reports not ready; once there is room they are written and it is ready again', async () => {
    const seed = createTestApp();
    const path = seed.config.databasePath;
    const outbox = seed.config.mail.outboxDir;
    seed.db.pragma('wal_checkpoint(TRUNCATE)');
    await seed.close(); // the folder stays until the test ends
    cleanups.push(() => seed.cleanup());
    // The limit sits just above the database file's size: once the write-ahead log meets it, a checkpoint cannot
    // move the log into the main file either (it could only grow by 64 KB), so the log never restarts and the disk
    // stays full until the limit is lifted. A fixed limit far above the file let a checkpoint free the log again
    // now and then, and readiness flapped back to 200 mid-test.
    const limitKb = Math.ceil(statSync(path).size / 1024) + 64;
    const server = await startLimitedServer(path, outbox, limitKb);
    const get = async (url: string) => {
      const res = await fetch(`${server.base}${url}`);
      return { status: res.status, text: await res.text() };
    };
    expect((await get('/readyz')).status).toBe(200);

    // Subscribe one new address after another until the write-ahead log meets the limit and readiness says so.
    let accepted = 0;
    let readiness = 200;
    for (let i = 0; i < 3000 && readiness === 200; i++) {
      const res = await fetch(`${server.base}/api/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `reader${i}@example.org`, topics: TOPICS(i) }) });
      expect(res.status).toBe(202);
      accepted++;
      if (i % 10 === 9) readiness = (await get('/readyz')).status;
    }
    expect(readiness, `still ready after ${accepted} subscribe requests`).toBe(503);
    // Still answered, still kept: more requests while the disk is full.
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.base}/api/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `late${i}@example.org` }) });
      expect(res.status).toBe(202);
      accepted++;
    }
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.text).checks.database).toMatchObject({ ok: false, error: expect.stringMatching(/^SQLITE_(IOERR|FULL)/) });
    expect((await get('/healthz')).status).toBe(200);
    const full = (await get('/metrics')).text;
    expect(metric(full, 'papers_subscribe_requests_waiting')).toBeGreaterThanOrEqual(5);
    expect(metric(full, 'papers_subscribe_requests_dropped_total{reason="write_failed"}')).toBe(0);

    // Room again: lift the limit of the running process. The intake's next retry (5 s apart) writes what it kept.
    execFileSync('prlimit', [`--pid=${server.child.pid}`, '--fsize=unlimited:unlimited']);
    const deadline = Date.now() + 30_000;
    let m = '';
    while (Date.now() < deadline) {
      m = (await get('/metrics')).text;
      if (metric(m, 'papers_subscribe_requests_waiting') === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(metric(m, 'papers_subscribe_requests_waiting')).toBe(0);
    expect(metric(m, 'papers_subscribe_requests_dropped_total{reason="write_failed"}')).toBe(0);
    const readyDeadline = Date.now() + 10_000;
    let ready = await get('/readyz');
    while (ready.status !== 200 && Date.now() < readyDeadline) {
      await new Promise((r) => setTimeout(r, 200));
      ready = await get('/readyz');
    }
    expect(ready.status, ready.text).toBe(200);

    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
    const db = openDatabase(path);
    try {
      expect(db.prepare("SELECT count(*) AS n FROM subscribers WHERE status = 'pending'").get()).toEqual({ n: accepted });
    } finally {
      db.close();
    }
  }, 120_000);
});
