import { loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { silentLogger } from '../src/lib/logger.js';
import { fixedClock } from '../src/lib/clock.js';
import { runIngest } from '../src/ingest/run-ingest.js';
import { prepareEdition } from '../src/digest/prepare.js';
import { SAMPLE_DATE, SAMPLE_DIR, SAMPLE_NOW } from '../src/digest/sample-edition.js';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
const dir = mkdtempSync('/tmp/x6/led-');
const config = loadConfig({ NODE_ENV: 'development', DATABASE_PATH: join(dir, 'b.db'), SOURCES: 'file', FILE_SOURCE_PATH: SAMPLE_DIR, SECRET_KEY: 'x'.repeat(40) });
const app = createApp(config, { clock: fixedClock(SAMPLE_NOW), logger: silentLogger() });
await runIngest({ ...app, sources: app.sources() }, { days: 7 });
const N = 20000;
app.db.transaction(() => { for (let i = 1; i <= N; i++) app.subscriptions.repo.create({ email: `r${i}@x.org`, status: 'active', now: SAMPLE_NOW }); }).immediate();
let t = performance.now();
const p = prepareEdition(app, SAMPLE_DATE, app.prepareSettings);
console.log('prepare', (performance.now() - t).toFixed(0), 'ms');
const db = app.db;
const claim = db.prepare(`UPDATE deliveries SET status = 'sending', claimed_at = @now, claim_owner = @owner, attempts = attempts + 1, updated_at = @now
       WHERE id IN (SELECT d.id FROM deliveries d INDEXED BY deliveries_claim JOIN subscribers s ON s.id = d.subscriber_id
         WHERE d.status = 'pending' AND d.id > @cursor AND d.due_at <= @now AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= @now) AND s.status = 'active' AND (@editionId IS NULL OR d.edition_id = @editionId)
         ORDER BY d.id LIMIT @limit) RETURNING id, edition_id, subscriber_id, selection_json, message_id, attempts`);
const markSent = db.prepare(`UPDATE deliveries SET status = 'sent', sent_at = @now, smtp_response = @response, error = NULL, claim_owner = NULL, updated_at = @now WHERE id = @id AND status = 'sending' AND claim_owner = @owner`);
const email = db.prepare("SELECT email FROM subscribers WHERE id = ? AND status = 'active'");
let cursor = 0; const now = SAMPLE_NOW; const owner = 'o';
t = performance.now();
const M = 5000;
let tc = 0, tm = 0, te = 0;
for (let i = 0; i < M; i++) {
  let a = performance.now();
  const rows = claim.all({ now, owner, cursor, limit: 1, editionId: p.edition.id }) as any[];
  tc += performance.now() - a; a = performance.now();
  cursor = rows[0].id;
  email.get(rows[0].subscriber_id); JSON.parse(rows[0].selection_json);
  te += performance.now() - a; a = performance.now();
  markSent.run({ now, response: '250 OK: message queued', id: rows[0].id, owner });
  tm += performance.now() - a;
}
console.log('per message µs: claim', (tc / M * 1000).toFixed(0), 'read', (te / M * 1000).toFixed(0), 'markSent', (tm / M * 1000).toFixed(0));
console.log(db.pragma('synchronous'), db.pragma('journal_mode'), db.pragma('cache_size'), db.pragma('wal_autocheckpoint'));
const variants: [string, () => void][] = [
  ['as is', () => {}],
  ['drop deliveries_queue', () => db.exec('DROP INDEX deliveries_queue')],
  ['cache 64MB', () => db.pragma('cache_size = -65536')],
];
for (const [label, f] of variants) {
  f();
  let tc = 0, tm = 0;
  for (let i = 0; i < 2000; i++) {
    let a = performance.now();
    const rows = claim.all({ now, owner, cursor, limit: 1, editionId: p.edition.id }) as any[];
    tc += performance.now() - a; a = performance.now();
    cursor = rows[0].id;
    markSent.run({ now, response: '250 OK: message queued', id: rows[0].id, owner });
    tm += performance.now() - a;
  }
  console.log(label, 'claim', (tc / 2 ).toFixed(0), 'markSent', (tm / 2).toFixed(0));
}
