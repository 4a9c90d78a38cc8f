// Benchmark: ingest 10,000 papers generated from the recorded HF payloads, served over loopback HTTP, through the
// real hf source (HTTP client → JSON → zod → normalize → the Store's upsertPapers, one transaction), beside a BASELINE measured
// in the same run: a plain better-sqlite3 insert of the same rows, in one transaction, into the same schema.
// Each figure is the median of ROUNDS fresh databases. Usage: npm run bench:ingest [-- --papers 10000 --rounds 3]
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { openDatabase } from '../src/db/open.js';
import { migrate } from '../src/db/migrate.js';
import { fixedClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';
import { runIngest } from '../src/ingest/run-ingest.js';
import { parseHfItem } from '../src/ingest/hf-item.js';
import { lastDays } from '../src/ingest/dates.js';
import type { PaperEntry } from '../src/ingest/types.js';
import { sqliteStore } from '../src/db/store.js';

const { values: args } = parseArgs({ options: { papers: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '3' } } });
const PAPERS = Number(args.papers);
const ROUNDS = Number(args.rounds);
const PER_DAY = 500;
const NOW = new Date('2026-09-30T12:00:00.000Z');

// --- Generate the papers: the recorded items (all schema years), cloned under fresh ids, PER_DAY per date ---
const fixtures = fileURLToPath(new URL('../tests/fixtures/hf-daily/', import.meta.url));
const recorded = readdirSync(fixtures)
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => JSON.parse(readFileSync(join(fixtures, f), 'utf8')) as { paper: Record<string, unknown> }[]);
const days = lastDays(NOW, Math.ceil(PAPERS / PER_DAY));
const bodies = new Map<string, Buffer>(); // encoded once: the fake server's work is not the ingest's
const allItems: unknown[] = [];
for (const [d, date] of days.entries()) {
  const items = [];
  for (let i = d * PER_DAY; i < Math.min(PAPERS, (d + 1) * PER_DAY); i++) {
    const src = recorded[i % recorded.length]!;
    const id = `2609.${String(i).padStart(5, '0')}`;
    items.push({ ...src, paper: { ...src.paper, id, title: `${String(src.paper.title)} (${i})`, submittedOnDailyAt: `${date}T00:00:00.000Z`, upvotes: i % 300 } });
  }
  allItems.push(...items);
  bodies.set(date, Buffer.from(JSON.stringify(items)));
}

// --- A loopback server answering like GET /api/daily_papers?date=D, on its own thread as a remote host would be ---
const server = new Worker(
  `const { parentPort, workerData } = require('node:worker_threads');
   const server = require('node:http').createServer((req, res) => {
     const date = new URL(req.url, 'http://x').searchParams.get('date');
     res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(workerData[date] ?? '[]');
   });
   server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`,
  { eval: true, workerData: Object.fromEntries(bodies) },
);
const [port] = (await once(server, 'message')) as [number];
const baseUrl = `http://127.0.0.1:${port}`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  return { path: join(dir, 'bench.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** OURS: the real hf source and the SQLite store through runIngest, as the daily job runs them. */
async function ours(reingest = true): Promise<{ first: number; again: number; stored: number }> {
  const t = tempDb();
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_PATH: t.path, SOURCES: 'hf', HF_BASE_URL: baseUrl, HF_DAYS: String(days.length), HTTP_RETRIES: '2', HTTP_RETRY_BASE_MS: '50' });
  const app = createApp(config, { logger: silentLogger(), clock: fixedClock(NOW) });
  try {
    const t0 = performance.now();
    const [first] = await runIngest({ ...app, sources: app.sources() });
    const t1 = performance.now();
    const [again] = reingest ? await runIngest({ ...app, sources: app.sources() }) : [first];
    const t2 = performance.now();
    if (!first?.ok || first.inserted !== PAPERS || !again?.ok || (reingest && again.unchanged !== PAPERS))
      throw new Error(`unexpected outcome: ${JSON.stringify({ first, again })}`);
    return { first: t1 - t0, again: t2 - t1, stored: await app.store.countPapers() };
  } finally {
    await app.close();
    t.cleanup();
  }
}

// The same rows ours writes, prepared before the clock starts: the baseline measures SQLite alone.
const entries: PaperEntry[] = allItems.map((raw) => {
  const r = parseHfItem(raw);
  if (!r.ok) throw new Error(r.reason);
  return r.entry;
});
const stamp = NOW.toISOString();
const rows = entries.map((e) => ({
  id: e.id, title: e.title, abstract: e.abstract ?? null, authors_json: JSON.stringify(e.authors), published_at: e.publishedAt ?? null,
  daily_date: e.dailyDate ?? null, now: stamp, ai_summary: e.aiSummary ?? null, ai_keywords_json: JSON.stringify(e.aiKeywords),
  categories_json: JSON.stringify(e.categories), thumbnail_url: e.thumbnailUrl ?? null, hf_url: e.hfUrl ?? null, arxiv_url: e.arxivUrl ?? null,
  pdf_url: e.pdfUrl ?? null, github_url: e.githubUrl ?? null, project_url: e.projectUrl ?? null, organization: e.organization ?? null,
  sources_json: '["hf"]', upvotes: e.counters?.upvotes ?? null, comments: e.counters?.comments ?? null, stars: e.counters?.githubStars ?? null,
}));

/** OURS, write stage only: the store's upsertPapers of the already validated entries (what the baseline compares to). */
async function oursWrite(): Promise<number> {
  const t = tempDb();
  const db = openDatabase(t.path);
  try {
    migrate(db);
    const store = sqliteStore(db);
    const t0 = performance.now();
    const counts = await store.upsertPapers('hf', entries, stamp);
    const ms = performance.now() - t0;
    if (counts.inserted !== PAPERS) throw new Error(`write stage inserted ${counts.inserted}`);
    return ms;
  } finally {
    db.close();
    t.cleanup();
  }
}

/** BASELINE: a plain prepared INSERT of the same papers and observations in one transaction, same schema. */
function baseline(): number {
  const t = tempDb();
  const db = openDatabase(t.path);
  try {
    migrate(db);
    const paper = db.prepare(`INSERT INTO papers (id, title, abstract, authors_json, published_at, daily_date, first_seen_at, ai_summary,
      ai_keywords_json, categories_json, thumbnail_url, hf_url, arxiv_url, pdf_url, github_url, project_url, organization, sources_json, updated_at)
      VALUES (@id, @title, @abstract, @authors_json, @published_at, @daily_date, @now, @ai_summary, @ai_keywords_json, @categories_json,
      @thumbnail_url, @hf_url, @arxiv_url, @pdf_url, @github_url, @project_url, @organization, @sources_json, @now)`);
    const obs = db.prepare('INSERT INTO observations (paper_id, source, observed_at, upvotes, comments, github_stars) VALUES (?, ?, ?, ?, ?, ?)');
    const t0 = performance.now();
    db.transaction(() => {
      for (const r of rows) {
        paper.run(r);
        obs.run(r.id, 'hf', r.now, r.upvotes, r.comments, r.stars);
      }
    }).immediate();
    return performance.now() - t0;
  } finally {
    db.close();
    t.cleanup();
  }
}

const perSec = (ms: number) => Math.round((PAPERS / ms) * 1000);
const oursRuns: Awaited<ReturnType<typeof ours>>[] = [];
const baseRuns: number[] = [];
const writeRuns: number[] = [];
await ours(false); // warm-up: module loading, JIT, page cache
baseline();
for (let i = 0; i < ROUNDS; i++) {
  oursRuns.push(await ours());
  writeRuns.push(await oursWrite());
  baseRuns.push(baseline());
}
await server.terminate();

const oursMs = median(oursRuns.map((r) => r.first));
const againMs = median(oursRuns.map((r) => r.again));
const baseMs = median(baseRuns);
const writeMs = median(writeRuns);
const ratio = perSec(oursMs) / perSec(baseMs);
console.log(`bench:ingest — ${PAPERS} papers over ${days.length} days (${PER_DAY}/day) from ${recorded.length} recorded HF items; median of ${ROUNDS} rounds`);
console.log(`  OURS      hf source over loopback HTTP → validate → merge/insert + observations: ${perSec(oursMs).toLocaleString('en-US')} papers/s (${oursMs.toFixed(0)} ms)`);
console.log(`  OURS      re-ingest of the same papers (all unchanged, new observations):      ${perSec(againMs).toLocaleString('en-US')} papers/s (${againMs.toFixed(0)} ms)`);
console.log(`  OURS      write stage alone (store upsertPapers of the validated entries):         ${perSec(writeMs).toLocaleString('en-US')} papers/s (${writeMs.toFixed(0)} ms)`);
console.log(`  BASELINE  plain better-sqlite3 INSERT of the same rows, one transaction:          ${perSec(baseMs).toLocaleString('en-US')} papers/s (${baseMs.toFixed(0)} ms)`);
console.log(`  ratio ours/baseline: whole first ingest ${ratio.toFixed(2)} (target ≥ 0.50: ${ratio >= 0.5 ? 'met' : 'NOT met'}), write stage ${(perSec(writeMs) / perSec(baseMs)).toFixed(2)}`);
if (oursRuns.some((r) => r.stored !== PAPERS)) process.exitCode = 1;
