// The CLI on PostgreSQL (DATABASE_URL set): the commands open the configured engine — subscribers are added and
// listed, the day runs (ingest, prepare, send to the outbox) and `status` reports it from PostgreSQL, with no SQLite
// file made — `rank` explains the ranking from there, and `backup`, a SQLite tool, says so in one line instead of
// touching a file nobody uses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { papers } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { HF_FIXTURES, tempDir } from '../helpers/app.js';

describe('the CLI on PostgreSQL', () => {
  let db: TestDatabase;
  const t = tempDir('papers-cli-pg-');
  const env = () => ({
    DATABASE_URL: db.url,
    DATABASE_PATH: join(t.dir, 'unused.db'),
    OUTBOX_DIR: join(t.dir, 'outbox'),
    FILE_SOURCE_PATH: HF_FIXTURES,
    SECRET_KEY: 'test-secret-test-secret-test-secret-0123',
    PUBLIC_BASE_URL: 'https://papers.example.org',
    MAIL_FROM: 'Trending Papers <digest@papers.example.org>',
    LOG_LEVEL: 'silent',
  });
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
    t.cleanup();
  });

  it('adds subscribers, runs the day and reports it, all in PostgreSQL', async () => {
    for (const email of ['ada@example.org', 'grace@example.org']) expect((await papers(['subscribers', 'add', email, '--topics', 'agents'], env())).code).toBe(0);
    const listed = await papers(['subscribers', 'list'], env());
    expect(listed.stdout).toContain('ada@example.org');
    expect(listed.stdout).toContain('grace@example.org');

    const run = await papers(['run', '--date', '2026-08-21'], env());
    expect(run.stderr).not.toContain('error');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/edition 2026-08-21: ready, 2 deliveries prepared/);
    expect(run.stdout).toMatch(/send: 2 sent, 0 retrying, 0 failed, 0 bounced/);
    expect(readdirSync(join(t.dir, 'outbox')).filter((f) => f.endsWith('.eml'))).toHaveLength(2);

    const status = await papers(['status', '--date', '2026-08-21'], env());
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^edition 2026-08-21: ready$/m);
    expect(status.stdout).toMatch(/^ {2}sent +2$/m);
    expect(status.stdout).toMatch(/^daily run 2026-08-21: ok at /m);
    const rows = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM deliveries WHERE status = 'sent'");
    expect(rows.rows[0]!.n).toBe(2);
    expect(existsSync(join(t.dir, 'unused.db'))).toBe(false); // no SQLite file was made on the side
  }, 60_000);

  it('rank explains the ranking from PostgreSQL: the trending list, and a reader\'s digest with what they already had', async () => {
    const list = await papers(['rank', '--date', '2026-08-21', '--limit', '3'], env());
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^Ranking for 2026-08-21, as of 2026-08-2[12]T/);
    expect(list.stdout.split('\n').filter((l) => /^\d+\s+\d{4}\.\d{5}\s/.test(l))).toHaveLength(3);
    // The next day, for a reader of the 21st: the papers of the digest they were sent count as already had.
    const sent = await db.pool.query<{ n: number }>(
      "SELECT jsonb_array_length(papers_json)::int AS n FROM sent_papers sp JOIN subscribers s ON s.id = sp.subscriber_id WHERE s.email = 'ada@example.org'",
    );
    const reader = await papers(['rank', '--date', '2026-08-22', '--subscriber', 'ada@example.org'], env());
    expect(reader.code, reader.stderr).toBe(0);
    expect(reader.stdout).toContain(`topics: agents; profile: none; ${sent.rows[0]!.n} candidates already sent`);
    expect(reader.stdout).toContain('== For you: agents ==');
    const nobody = await papers(['rank', '--subscriber', 'nobody@example.org'], env());
    expect(nobody.code).toBe(1);
  });

  it('backup, a SQLite tool, refuses in one line (exit 2)', async () => {
    const backup = await papers(['backup', join(t.dir, 'copy.db')], env());
    expect(backup.code).toBe(2);
    expect(backup.stderr).toMatch(/^error: backup copies the SQLite file; DATABASE_URL selects PostgreSQL: back it up with pg_dump/);
    expect(existsSync(join(t.dir, 'copy.db'))).toBe(false);
  });
});
