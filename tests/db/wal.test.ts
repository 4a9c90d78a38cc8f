// The WAL helpers the preparation's checkpoint thread uses (src/db/wal.ts), on real SQLite files.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/db/open.js';
import { passiveCheckpoint, setAutoCheckpointPages, truncateWalIfIdle } from '../../src/db/wal.js';

let dir: string;
const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A writer with its automatic checkpoint off (as during a preparation) that has written ~2 MB, and a second connection. */
function written(): { writer: Db; helper: Db; wal: string } {
  dir = mkdtempSync(join(tmpdir(), 'wal-'));
  const path = join(dir, 'w.db');
  const writer = openDatabase(path);
  const helper = openDatabase(path, { busyTimeoutMs: 5000 });
  opened.push(writer, helper);
  setAutoCheckpointPages(writer, 0);
  writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  const insert = writer.prepare('INSERT INTO t (v) VALUES (?)');
  const commit = writer.transaction(() => {
    for (let j = 0; j < 100; j++) insert.run('x'.repeat(1000));
  });
  for (let i = 0; i < 20; i++) commit();
  return { writer, helper, wal: `${path}-wal` };
}

describe('truncateWalIfIdle', () => {
  it('cuts a copied WAL to nothing, and the writer goes on in a fresh one', () => {
    const { writer, helper, wal } = written();
    const copied = passiveCheckpoint(helper);
    expect(copied.copied).toBe(copied.frames);
    expect(statSync(wal).size).toBeGreaterThan(1024 * 1024);
    expect(truncateWalIfIdle(helper)).toBe(true);
    expect(statSync(wal).size).toBe(0);
    writer.prepare('INSERT INTO t (v) VALUES (?)').run('after');
    expect(statSync(wal).size).toBeLessThan(64 * 1024);
    expect(writer.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 2001 });
  });

  it('never waits: a reader in a transaction makes it answer false at once, the WAL untouched and the busy timeout kept', () => {
    const { helper, wal } = written();
    // A reader whose snapshot reads from the WAL (it began before the copy): the WAL cannot start over under it.
    const reader = openDatabase(join(dir, 'w.db'));
    opened.push(reader);
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM t').get();
    const copied = passiveCheckpoint(helper);
    expect(copied.copied).toBe(copied.frames);
    const size = statSync(wal).size;
    const t = performance.now();
    expect(truncateWalIfIdle(helper)).toBe(false);
    expect(performance.now() - t).toBeLessThan(1000); // the busy timeout (5 s) was not waited for
    expect(statSync(wal).size).toBe(size);
    expect(helper.pragma('busy_timeout', { simple: true })).toBe(5000);
    reader.exec('COMMIT');
    expect(truncateWalIfIdle(helper)).toBe(true);
    expect(statSync(wal).size).toBe(0);
  });
});
