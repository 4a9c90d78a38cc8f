// Migration 0009 on a database written by the previous version: the per-paper ledger, filled when editions were
// prepared, becomes one row per accepted digest; rows of deliveries that were never accepted release their papers.
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/open.js';
import { migrate, MIGRATIONS_DIR } from '../../src/db/migrate.js';
import { tempDir } from '../helpers/app.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

describe('migration 0009 (sent papers counted on acceptance)', () => {
  it('keeps what accepted deliveries carried, drops what failed, bounced, skipped or outstanding ones did', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const dir = join(t.dir, 'migrations');
    mkdirSync(dir);
    const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql'));
    for (const f of files.filter((x) => Number(x.slice(0, 4)) <= 8)) copyFileSync(join(MIGRATIONS_DIR, f), join(dir, f));
    const db = openDatabase(join(t.dir, 'old.db'));
    cleanups.push(() => db.close());
    migrate(db, dir);

    // The previous version: one ledger row per paper, written when the edition was prepared.
    const sub = db.prepare("INSERT INTO subscribers (email, status, created_at, updated_at) VALUES (?, 'active', 'x', 'x')");
    const [a, b] = [Number(sub.run('a@example.org').lastInsertRowid), Number(sub.run('b@example.org').lastInsertRowid)];
    const edition = (date: string) => Number(db.prepare("INSERT INTO editions (date, prepared_at, status, subject) VALUES (?, 'x', 'ready', 's')").run(date).lastInsertRowid);
    const [e1, e2] = [edition('2026-08-20'), edition('2026-08-21')];
    const delivery = db.prepare("INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at) VALUES (?, ?, ?, '[]', 'x', ?, 'x')");
    delivery.run(e1, a, 'sent', '<1@x>');
    delivery.run(e1, b, 'bounced', '<2@x>');
    delivery.run(e2, a, 'pending', '<3@x>');
    delivery.run(e2, b, 'failed', '<4@x>');
    const paper = db.prepare('INSERT INTO sent_papers (subscriber_id, paper_id, edition_id) VALUES (?, ?, ?)');
    for (const [s, p, e] of [[a, '2608.1', e1], [a, '2608.2', e1], [b, '2608.1', e1], [a, '2608.3', e2], [b, '2608.3', e2]] as const) paper.run(s, p, e);

    for (const f of files.filter((x) => Number(x.slice(0, 4)) > 8)) copyFileSync(join(MIGRATIONS_DIR, f), join(dir, f));
    expect(migrate(db, dir)).toContain('0009_sent_papers_on_acceptance');
    const rows = db.prepare('SELECT edition_id, subscriber_id, papers_json FROM sent_papers ORDER BY edition_id, subscriber_id').all();
    expect(rows).toEqual([{ edition_id: e1, subscriber_id: a, papers_json: expect.any(String) }]);
    expect(JSON.parse((rows[0] as { papers_json: string }).papers_json).sort()).toEqual(['2608.1', '2608.2']);
    // Deleting a subscriber still takes their ledger rows with them.
    db.prepare('DELETE FROM subscribers WHERE id = ?').run(a);
    expect(db.prepare('SELECT count(*) FROM sent_papers').pluck().get()).toBe(0);
  });
});
