// The command line: every subcommand of ours on its success and error paths, exit codes and messages, run
// in-process (src/cli/program.ts, the same program the binary runs) with captured stdout and stderr against a
// temp database; and the binary itself once, as a child process, to show the entry wires it to the process.
// Exit codes: 0 done, 1 failed or not found, 2 bad usage or input, 3 busy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestApp, FIXTURES, HF_FIXTURES, type TestApp } from '../helpers/app.js';
import { papers, type CliResult } from '../helpers/cli.js';
import { entryPath } from '../helpers/entries.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runDailyJob } from '../../src/jobs/daily.js';
import { openDatabase } from '../../src/db/open.js';
import { parseImport } from '../../src/cli/subscribers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let app: TestApp;
let seeded: string;

/** The environment of `papers <args>` on a database (the seeded one unless DATABASE_PATH is given). */
const baseEnv = (): Record<string, string> => ({
  DATABASE_PATH: seeded,
  OUTBOX_DIR: join(app.dir, 'outbox'),
  FILE_SOURCE_PATH: HF_FIXTURES,
  SECRET_KEY: app.config.secretKey,
  PUBLIC_BASE_URL: app.config.publicBaseUrl,
});

/** Runs `papers <args>` in-process on the seeded database unless `env` says otherwise. */
const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => papers(args, { ...baseEnv(), ...env });

/** A port nobody listens on right now (the demo serves on a fixed PORT, as a user runs it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs the real binary as a child process: src/cli.ts as bundled once per run (tests/helpers/build-entries.ts), plain
 * JavaScript, so the child does not transpile ~100 TypeScript files through tsx first (what `npm run cli` does).
 */
function binary(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [entryPath('cli'), ...args],
      { cwd: ROOT, timeout: 60_000, env: { PATH: process.env.PATH, ENV_FILE: 'none', NODE_ENV: 'test', ...env } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let copies = 0;
const copyOfSeeded = () => {
  const path = join(app.dir, `copy-${++copies}.db`);
  copyFileSync(seeded, path);
  return path;
};
const query = <T>(path: string, sql: string): T[] => {
  const db = openDatabase(path);
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
};

beforeAll(async () => {
  const clock = fixedClock('2026-08-21T07:00:00.000Z');
  app = createTestApp({}, { clock });
  const now = clock.now().toISOString();
  app.subscriptions.repo.create({ email: 'ada@example.org', status: 'active', now, topics: ['agents'] });
  app.subscriptions.repo.create({ email: 'grace@example.org', status: 'active', now });
  app.subscriptions.repo.create({ email: 'alan@example.org', status: 'pending', now });
  const r = await runDailyJob(app, { date: '2026-08-21' });
  expect(r.send?.sent).toBe(2);
  app.db.pragma('wal_checkpoint(TRUNCATE)'); // the copies below must hold everything
  seeded = app.config.databasePath;
});
afterAll(async () => {
  await app.cleanup();
});

describe('papers (the CLI entry)', () => {
  it('`npm run demo` as a process: mails and prints links on its PORT, serves them, stops on Ctrl-C; errors exit non-zero', { timeout: 120_000 }, async () => {
    const dir = join(app.dir, 'demo');
    const port = await freePort();
    const env = { HOST: '127.0.0.1', PORT: String(port), DATABASE_PATH: join(dir, 'demo.db'), OUTBOX_DIR: join(dir, 'outbox') };
    const demo = spawn(process.execPath, [entryPath('cli'), 'demo'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ENV_FILE: 'none', NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    demo.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => demo.on('exit', (code) => resolve(code)));
    const badEnv = binary(['migrate'], { ...env, PORT: '-5', HF_DAYS: 'lots' }); // meanwhile, the error path
    try {
      await new Promise<void>((resolve, reject) => {
        demo.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
          if (stdout.includes('Preferences demo:')) resolve();
        });
        void exited.then((code) => reject(new Error(`demo exited (${code}) before serving: ${stderr}`)));
      });
      const base = `http://localhost:${port}`;
      expect(stdout).toContain(`Serving on ${base}  (Ctrl-C to stop)`);
      const urls = [...stdout.matchAll(/^ {4}[^:]+: +(\S+)$/gm)].map((m) => m[1]!);
      expect(urls).toHaveLength(5);
      for (const url of urls) {
        expect(url.startsWith(`${base}/`), url).toBe(true);
        // localhost may resolve to ::1 first; the demo listens on HOST=127.0.0.1.
        expect((await fetch(url.replace('//localhost:', '//127.0.0.1:'))).status, url).toBe(200);
      }
      const eml = readdirSync(env.OUTBOX_DIR).find((f) => f.endsWith('.eml'))!;
      expect(readFileSync(join(env.OUTBOX_DIR, eml), 'utf8')).toContain(`<${base}/unsubscribe?token=`);
    } finally {
      demo.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    const bad = await badEnv;
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('PORT');
    expect(bad.stderr).toContain('HF_DAYS');
  });

  it('lists every subcommand in --help, and rejects an unknown one with exit 2', async () => {
    const [help, bad] = await Promise.all([cli(['--help']), cli(['frobnicate'])]);
    expect(help.code).toBe(0);
    for (const c of ['migrate', 'ingest', 'rank', 'preview', 'send', 'run', 'status', 'subscribers', 'backup']) expect(help.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown command 'frobnicate'");
  });
});

describe('migrate', () => {
  it('creates and migrates a new database; a bad environment exits 1 naming each bad variable', async () => {
    const fresh = join(app.dir, 'fresh', 'new.db');
    const [ok, badEnv] = await Promise.all([cli(['migrate'], { DATABASE_PATH: fresh }), cli(['migrate'], { DIGEST_TZ: 'Mars/Olympus', PORT: 'eighty' })]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^applied: 0001_init, .*0007_job_runs_ops/);
    expect(query<{ n: number }>(fresh, 'SELECT count(*) AS n FROM schema_migrations')[0]!.n).toBeGreaterThanOrEqual(5);
    expect(badEnv.code).toBe(1);
    expect(badEnv.stderr).toContain('DIGEST_TZ: must be an IANA timezone');
    expect(badEnv.stderr).toContain('PORT: must be a number');
  });
});

describe('run', () => {
  it('runs the daily job for a date; exits 3 when another process holds the lock', async () => {
    const busy = copyOfSeeded();
    const db = openDatabase(busy);
    db.prepare("INSERT INTO locks (name, owner, expires_at) VALUES ('daily-job', 'elsewhere:1:abcdef12', '2999-01-01T00:00:00.000Z')").run();
    db.close();
    const [ok, locked] = await Promise.all([
      cli(['run', '--date', '2026-08-21', '--skip-ingest'], { DATABASE_PATH: copyOfSeeded() }),
      cli(['run', '--date', '2026-08-21'], { DATABASE_PATH: busy }),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('edition 2026-08-21: ready, already prepared');
    expect(locked.code).toBe(3);
    expect(locked.stderr).toContain('error: another process is running the daily job');
  });
});

describe('subscribers', () => {
  it('adds, lists, and refuses an invalid address with exit 2', async () => {
    const db = copyOfSeeded();
    const [bad, added] = await Promise.all([cli(['subscribers', 'add', 'not-an-address'], { DATABASE_PATH: db }), cli(['subscribers', 'add', 'edsger@Example.NET', '--topics', 'cs.CL,long context'], { DATABASE_PATH: db })]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error: not a valid email address: not-an-address');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^added subscriber \d+/);
    const list = await cli(['subscribers', 'list', '--status', 'active'], { DATABASE_PATH: db });
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)[2])).toEqual(['ada@example.org', 'grace@example.org', 'edsger@example.net']);
  });

  it('imports a CSV all-or-nothing, and exports one that re-imports the same', async () => {
    const db = copyOfSeeded();
    const bad = join(app.dir, 'bad.csv');
    writeFileSync(bad, 'email,timezone,delivery_hour\nnew1@example.org,Europe/Berlin,8\nnope,UTC,7\nnew2@example.org,Nowhere/City,25\n');
    const good = join(app.dir, 'good.csv');
    writeFileSync(good, 'Email,Topics,timezone,delivery_hour,status\r\n"new1@example.org","agents;diffusion",europe/berlin,8,\r\nada@example.org,,,,\r\nold@example.org,,,,unsubscribed\r\n');
    const rejected = await cli(['subscribers', 'import', bad], { DATABASE_PATH: db });
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toContain(`${bad}:line 3: email must be a valid email address`);
    expect(rejected.stderr).toContain(`${bad}:line 4: timezone must be an IANA timezone`);
    expect(rejected.stderr).toContain('2 invalid row(s); nothing imported');
    expect(query(db, "SELECT 1 FROM subscribers WHERE email = 'new1@example.org'")).toEqual([]);

    const imported = await cli(['subscribers', 'import', good], { DATABASE_PATH: db });
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('imported 2, already present 1');
    expect(query(db, "SELECT email, status, timezone, delivery_hour FROM subscribers WHERE email IN ('new1@example.org', 'old@example.org') ORDER BY email")).toEqual([
      { email: 'new1@example.org', status: 'active', timezone: 'Europe/Berlin', delivery_hour: 8 },
      { email: 'old@example.org', status: 'unsubscribed', timezone: null, delivery_hour: null },
    ]);

    const out = join(app.dir, 'export.csv');
    const [exported, again] = await Promise.all([cli(['subscribers', 'export', '--out', out], { DATABASE_PATH: db }), cli(['subscribers', 'export', '--out', good], { DATABASE_PATH: db })]);
    expect(exported.code).toBe(0);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('the file exists');
    const text = readFileSync(out, 'utf8');
    expect(text.split('\r\n')[0]).toBe('email,status,topics,timezone,delivery_hour,frequency,paused,created_at,confirmed_at');
    const back = parseImport(text);
    expect(back.problems).toEqual([]);
    expect(back.rows.map((r) => [r.row.email, r.row.status, r.row.topics ?? [], r.row.timezone ?? null])).toEqual([
      ['ada@example.org', 'active', ['agents'], null],
      ['grace@example.org', 'active', [], null],
      ['alan@example.org', 'pending', [], null],
      ['new1@example.org', 'active', ['agents', 'diffusion'], 'Europe/Berlin'],
      ['old@example.org', 'unsubscribed', [], null],
    ]);
  });

  it('imports a CSV as a spreadsheet program exports it (BOM, CRLF, quoted commas, a line break in a cell)', async () => {
    const db = join(app.dir, 'spreadsheet.db');
    const file = join(FIXTURES, 'csv', 'spreadsheet-export.csv');
    const r = await cli(['subscribers', 'import', file], { DATABASE_PATH: db });
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'imported 3, already present 0\n' });
    expect(
      query(db, "SELECT email, status, timezone, delivery_hour, frequency, paused, (SELECT group_concat(topic, ';') FROM (SELECT topic FROM subscriber_topics WHERE subscriber_id = s.id ORDER BY topic)) AS topics FROM subscribers s ORDER BY id"),
    ).toEqual([
      { email: 'ada@example.org', status: 'active', timezone: 'Europe/Berlin', delivery_hour: 8, frequency: 'daily', paused: 0, topics: 'agents;long context' },
      { email: 'Grace.Hopper@example.org', status: 'active', timezone: 'America/New_York', delivery_hour: 7, frequency: 'weekly', paused: 1, topics: 'cs.CL' },
      { email: 'alan@example.org', status: 'pending', timezone: null, delivery_hour: null, frequency: 'daily', paused: 0, topics: null },
    ]);
  });

  it('--skip-invalid imports the valid rows and names the others by line; a broken file imports nothing even then', async () => {
    const db = copyOfSeeded();
    const mixed = join(app.dir, 'mixed.csv');
    writeFileSync(mixed, '\ufeffemail,note,delivery_hour\r\nfirst@example.org,"a note\r\non two lines",8\r\nlate@example.org,,24\r\nsecond@example.org,,\r\n');
    const broken = join(app.dir, 'broken.csv');
    writeFileSync(broken, 'email\r\nthird@example.org\r\n"fourth@example.org\r\n');
    const [all, skipping, unreadable] = await Promise.all([
      cli(['subscribers', 'import', mixed], { DATABASE_PATH: copyOfSeeded() }),
      cli(['subscribers', 'import', mixed, '--skip-invalid'], { DATABASE_PATH: db }),
      cli(['subscribers', 'import', broken, '--skip-invalid'], { DATABASE_PATH: db }),
    ]);
    expect(all.code).toBe(2);
    expect(all.stderr).toBe(`${mixed}:line 4: delivery_hour must be an hour 0–23\nerror: 1 invalid row(s); nothing imported (fix them, or use --skip-invalid)\n`);
    expect(skipping, skipping.stderr).toMatchObject({ code: 0, stdout: 'imported 2, already present 0, invalid 1 (skipped)\n' });
    expect(skipping.stderr).toContain(`${mixed}:line 4: delivery_hour must be an hour 0–23`);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain(`${broken}:line 3: a quoted field is not closed`);
    expect(query(db, "SELECT email FROM subscribers WHERE email IN ('first@example.org', 'late@example.org', 'second@example.org', 'third@example.org') ORDER BY id")).toEqual([
      { email: 'first@example.org' },
      { email: 'second@example.org' },
    ]);
  });

  it('removes a subscriber completely or marks them unsubscribed; an unknown one exits 1', async () => {
    const db = copyOfSeeded();
    const [unknown, unsub] = await Promise.all([
      cli(['subscribers', 'remove', 'nobody@example.org'], { DATABASE_PATH: db }),
      cli(['subscribers', 'remove', 'grace@example.org', '--unsubscribe'], { DATABASE_PATH: db }),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error: no subscriber nobody@example.org');
    expect(unsub.code).toBe(0);
    const gone = await cli(['subscribers', 'remove', 'ada@example.org'], { DATABASE_PATH: db });
    expect(gone.code).toBe(0);
    expect(gone.stdout).toMatch(/^subscriber \d+ deleted with all their data/);
    expect(query(db, 'SELECT email, status FROM subscribers ORDER BY id')).toEqual([
      { email: 'grace@example.org', status: 'unsubscribed' },
      { email: 'alan@example.org', status: 'pending' },
    ]);
    expect(query(db, 'SELECT 1 FROM deliveries WHERE subscriber_id NOT IN (SELECT id FROM subscribers)')).toEqual([]);
  });
});

describe('backup', () => {
  it('writes a consistent copy, and refuses to overwrite a file', async () => {
    const dir = join(app.dir, 'backups');
    mkdirSync(dir);
    const target = join(dir, 'b.db');
    const ok = await cli(['backup', target]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`to ${target}`);
    expect(existsSync(`${target}.partial`)).toBe(false);
    expect(query(target, 'SELECT count(*) AS n FROM deliveries')).toEqual(query(seeded, 'SELECT count(*) AS n FROM deliveries'));
    const again = await cli(['backup', target]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists (use --force to overwrite it)');
  });
});

describe('preview', () => {
  it("renders a subscriber's email for an edition; a missing edition exits 1", async () => {
    const [text, missing] = await Promise.all([
      cli(['preview', '--date', '2026-08-21', '--subscriber', 'ada@example.org', '--text']),
      cli(['preview', '--date', '2026-08-20']),
    ]);
    expect(text.code).toBe(0);
    const title = (query<{ title: string }>(seeded, 'SELECT p.title FROM edition_papers e JOIN papers p ON p.id = e.paper_id ORDER BY e.rank LIMIT 1')[0]!.title);
    expect(text.stdout.replace(/\s+/g, ' ')).toContain(title.replace(/\s+/g, ' ').slice(0, 40));
    expect(text.stdout).toMatch(/Unsubscribe: https:\/\/papers\.example\.org\/unsubscribe\?token=\d+\./);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error: no ready edition for 2026-08-20');
  });
});
