// The preferences page behind the signed link: read, save (topics, hour, timezone, frequency, pause),
// subscribe again, download my data, delete my data (hard delete, every row in every table).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { browserForm, LEAK, multipart, preferencesToken, startHarness, unsubscribeToken, type HttpHarness } from './harness.js';
import { subscriberUrls } from '../../src/http/links.js';
import { SECRET } from './harness.js';
import type { Db } from '../../src/db/open.js';

let h: HttpHarness;
let id: number;
const EMAIL = 'grace.hopper@example.org';

beforeEach(async () => {
  h = await startHarness();
  id = h.app.subscriptions.repo.create({ email: EMAIL, status: 'active', now: '2026-08-01T00:00:00.000Z', topics: ['agents'] });
});
afterEach(async () => h.close());

const url = (path = '/preferences', sid = id) => `${path}?token=${preferencesToken(sid)}`;
const row = () => h.app.subscriptions.repo.get(id);

/** Gives the subscriber an edition, a pending and a sent delivery, and a sent paper. */
function addHistory(db: Db) {
  db.prepare(
    "INSERT INTO papers (id, title, first_seen_at, updated_at) VALUES ('2608.00001', 'A paper', '2026-08-20T00:00:00Z', '2026-08-20T00:00:00Z')",
  ).run();
  const e1 = Number(db.prepare("INSERT INTO editions (date, prepared_at, status, subject) VALUES ('2026-08-20', 'x', 'ready', 's')").run().lastInsertRowid);
  const e2 = Number(db.prepare("INSERT INTO editions (date, prepared_at, status, subject) VALUES ('2026-08-21', 'x', 'ready', 's')").run().lastInsertRowid);
  const ins = db.prepare("INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at, sent_at) VALUES (?, ?, ?, '[]', 'x', ?, 'x', ?)");
  ins.run(e1, id, 'sent', '<d1@x>', '2026-08-20T07:00:01Z');
  ins.run(e2, id, 'pending', '<d2@x>', null);
  db.prepare('INSERT INTO sent_papers (edition_id, subscriber_id, papers_json) VALUES (?, ?, ?)').run(e1, id, '["2608.00001"]');
}

describe('preferences page', () => {
  it('is linked from every email (subscriberUrls) and shows the current settings, never cached', async () => {
    const link = new URL(subscriberUrls('https://papers.example.org', SECRET, id).preferencesUrl);
    const res = await h.http.inject({ method: 'GET', url: link.pathname + link.search, headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain(EMAIL);
    expect(res.body).toContain('>agents</textarea>');
    expect(res.body).toContain('<option value="7" selected>07:00</option>'); // DIGEST_CRON's hour
    expect(res.body).toContain('<option selected>UTC</option>');
    expect(res.body).toMatch(/value="daily" checked/);
    for (const field of ['topics', 'hour', 'timezone']) expect(res.body).toMatch(new RegExp(`<label for="${field}">`));
    expect(res.body).toContain(`/unsubscribe?token=${unsubscribeToken(id)}`);
    expect(res.body).toContain(url('/preferences/export'));
  });

  it('saves topics, delivery hour, timezone, weekly and pause, from urlencoded and multipart forms', async () => {
    const save = await h.http.inject({
      method: 'POST',
      url: url(),
      ...browserForm({ topics: 'long context\ncs.CL, diffusion', frequency: 'weekly', hour: '18', timezone: 'america/new_york', paused: 'on' }),
    });
    expect(save.statusCode).toBe(200);
    expect(save.body).toContain('Saved.');
    expect(row()).toMatchObject({ frequency: 'weekly', delivery_hour: 18, timezone: 'America/New_York', paused: true });
    expect(h.app.subscriptions.repo.topics(id)).toEqual(['cs.CL', 'diffusion', 'long context']);
    expect(save.body).toContain('<option value="18" selected>18:00</option>');

    const resume = await h.http.inject({ method: 'POST', url: url(), ...multipart({ topics: '', frequency: 'daily', hour: '6', timezone: 'Asia/Tokyo' }) });
    expect(resume.statusCode).toBe(200);
    expect(row()).toMatchObject({ frequency: 'daily', delivery_hour: 6, timezone: 'Asia/Tokyo', paused: false });
    expect(h.app.subscriptions.repo.topics(id)).toEqual([]);
  });

  it('pausing stops the deliveries not yet sent', async () => {
    addHistory(h.app.db);
    await h.http.inject({ method: 'POST', url: url(), ...browserForm({ topics: '', frequency: 'daily', hour: '7', timezone: 'UTC', paused: 'on' }) });
    const statuses = h.app.db.prepare('SELECT status FROM deliveries WHERE subscriber_id = ? ORDER BY id').all(id);
    expect(statuses).toEqual([{ status: 'sent' }, { status: 'skipped' }]);
  });

  it.each([
    ['an unknown timezone', { topics: '', frequency: 'daily', hour: '7', timezone: 'Mars/Base' }, /timezone/],
    ['an hour out of range', { topics: '', frequency: 'daily', hour: '25', timezone: 'UTC' }, /hour/],
    ['an unknown frequency', { topics: '', frequency: 'hourly', hour: '7', timezone: 'UTC' }, /frequency/],
    ['too many topics', { topics: Array.from({ length: 11 }, (_, i) => `topic ${i}`).join(','), frequency: 'daily', hour: '7', timezone: 'UTC' }, /Topics: at most 10/],
    ['an unknown field', { topics: '', frequency: 'daily', hour: '7', timezone: 'UTC', admin: 'yes' }, /admin|nrecognized/],
  ])('keeps the settings and explains the problem for %s', async (_name, fields, mentions) => {
    const res = await h.http.inject({ method: 'POST', url: url(), ...browserForm(fields) });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('role="alert"');
    expect(res.body).toMatch(mentions);
    expect(res.body).not.toMatch(LEAK);
    expect(row()).toMatchObject({ frequency: 'daily', delivery_hour: null, timezone: null, paused: false });
    expect(h.app.subscriptions.repo.topics(id)).toEqual(['agents']);
  });

  it('lets an unsubscribed, once-confirmed subscriber subscribe again; a never-confirmed one cannot', async () => {
    await h.app.subscriptions.unsubscribe(id);
    const page = await h.http.inject({ method: 'GET', url: url() });
    expect(page.body).toContain('Subscribe again');
    const res = await h.http.inject({ method: 'POST', url: url('/preferences/resume'), ...browserForm({}) });
    expect(res.statusCode).toBe(200);
    expect(row()!.status).toBe('active');

    const pending = h.app.subscriptions.repo.create({ email: 'never@example.org', status: 'unsubscribed', now: '2026-08-01T00:00:00.000Z' });
    const refused = await h.http.inject({ method: 'POST', url: url('/preferences/resume', pending), ...browserForm({}) });
    expect(refused.statusCode).toBe(409);
    expect(h.app.subscriptions.repo.get(pending)!.status).toBe('unsubscribed');
  });

  it('refuses tampered, foreign and unsubscribe tokens on every preferences route', async () => {
    const bad = [`${id}.${'x'.repeat(32)}`, unsubscribeToken(id), `${id + 1}.${preferencesToken(id).split('.')[1]}`, ''];
    for (const token of bad) {
      const q = `?token=${encodeURIComponent(token)}`;
      const requests = [
        h.http.inject({ method: 'GET', url: `/preferences${q}` }),
        h.http.inject({ method: 'POST', url: `/preferences${q}`, ...browserForm({ topics: '', frequency: 'weekly', hour: '1', timezone: 'UTC' }) }),
        h.http.inject({ method: 'POST', url: `/preferences/delete${q}`, ...browserForm({ confirm: 'yes' }) }),
        h.http.inject({ method: 'POST', url: `/preferences/resume${q}`, ...browserForm({}) }),
        h.http.inject({ method: 'GET', url: `/preferences/export${q}` }),
      ];
      for (const res of await Promise.all(requests)) {
        expect(res.statusCode).toBe(404);
        expect(res.body).not.toContain(EMAIL);
      }
    }
    expect(row()).toMatchObject({ status: 'active', frequency: 'daily' });
  });
});

describe('download my data', () => {
  it('returns everything held about the subscriber as a JSON attachment, without secrets', async () => {
    addHistory(h.app.db);
    const res = await h.http.inject({ method: 'GET', url: url('/preferences/export') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename=".+\.json"$/);
    expect(res.headers['cache-control']).toBe('no-store');
    const data = res.json();
    expect(data.subscriber).toMatchObject({ email: EMAIL, status: 'active', topics: ['agents'], preferences: { frequency: 'daily', paused: false } });
    expect(data.deliveries).toEqual([
      { edition: '2026-08-20', status: 'sent', sentAt: '2026-08-20T07:00:01Z', messageId: '<d1@x>' },
      { edition: '2026-08-21', status: 'pending', sentAt: null, messageId: '<d2@x>' },
    ]);
    expect(data.papersSent).toEqual([{ paper: '2608.00001', edition: '2026-08-20' }]);
    expect(res.body).not.toMatch(/token_hash|confirm_token/);
  });
});

describe('delete my data', () => {
  it('needs the confirmation box ticked', async () => {
    const res = await h.http.inject({ method: 'POST', url: url('/preferences/delete'), ...browserForm({}) });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Nothing deleted');
    expect(row()).toBeDefined();
  });

  it('removes the subscriber and every row about them, in every table, including tables added later', async () => {
    const db = h.app.db;
    addHistory(db);
    // A later migration's tables that refer to subscribers without ON DELETE CASCADE, one of them two levels deep.
    db.exec(`CREATE TABLE feedback (id INTEGER PRIMARY KEY, subscriber_id INTEGER NOT NULL REFERENCES subscribers(id), note TEXT);
             CREATE TABLE delivery_events (id INTEGER PRIMARY KEY, delivery_id INTEGER NOT NULL REFERENCES deliveries(id), kind TEXT);`);
    db.prepare("INSERT INTO feedback (subscriber_id, note) VALUES (?, 'likes agents')").run(id);
    db.prepare("INSERT INTO delivery_events (delivery_id, kind) SELECT id, 'opened' FROM deliveries WHERE subscriber_id = ?").run(id);
    const other = h.app.subscriptions.repo.create({ email: 'other@example.org', status: 'active', now: '2026-08-01T00:00:00.000Z', topics: ['agents'] });
    db.prepare("INSERT INTO feedback (subscriber_id, note) VALUES (?, 'keep me')").run(other);

    const exported = (await h.http.inject({ method: 'GET', url: url('/preferences/export') })).json();
    expect(exported.otherRecords.feedback).toEqual([{ id: 1, subscriber_id: id, note: 'likes agents' }]);

    const res = await h.http.inject({ method: 'POST', url: url('/preferences/delete'), ...browserForm({ confirm: 'yes' }) });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Your data is deleted');
    expect(row()).toBeUndefined();
    for (const table of ['subscriber_topics', 'deliveries', 'sent_papers', 'feedback'])
      expect(db.prepare(`SELECT count(*) AS n FROM ${table} WHERE subscriber_id = ?`).get(id), table).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM delivery_events').get()).toEqual({ n: 0 });
    // The address appears nowhere in the database any more; the other subscriber is untouched.
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'papers_fts%'").all() as { name: string }[];
    for (const { name } of tables) {
      const rows = db.prepare(`SELECT * FROM "${name}"`).all();
      expect(JSON.stringify(rows), name).not.toContain('grace.hopper');
    }
    expect(h.app.subscriptions.repo.get(other)).toBeDefined();
    expect(db.prepare('SELECT count(*) AS n FROM feedback').get()).toEqual({ n: 1 });

    // Idempotent, and the link now leads to a friendly page.
    expect((await h.http.inject({ method: 'POST', url: url('/preferences/delete'), ...browserForm({ confirm: 'yes' }) })).statusCode).toBe(200);
    const after = await h.http.inject({ method: 'GET', url: url() });
    expect(after.statusCode).toBe(404);
    expect(after.body).toContain('We hold no data for this link');
    expect((await h.http.inject({ method: 'GET', url: url('/preferences/export') })).statusCode).toBe(404);
  });
});
