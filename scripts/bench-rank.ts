// `npm run bench:rank`: personal selections for SUBSCRIBERS subscribers
// following 3 topics each (drawn, Zipf-like, from a realistic pool of phrases and arXiv categories) over a 30-day
// candidate window, printed per subscriber beside a BASELINE measured in the same run: selecting the global
// trending list once (load candidates and observations from SQLite, score, sort). Also the whole prepareEdition
// (one transaction: batched reads, selection, 100k deliveries), for scale what matching topics per subscriber
// instead of per topic would cost (sampled), and the size of the never-twice ledger after 30 (and 45) days at this
// audience with retention on. Data: the recorded HF items cloned under fresh ids, ingested day by day through the
// papers repository like the daily job does. Temp SQLite file; no network.
// With profiles: scripts/bench-profiles.ts (30 % of the readers with 20 papers each), the same edition prepared again.
// --profile: the prepare with profiles runs under the CPU profiler, its time printed by area and function.
// --skip-ledger: stop before the ledger simulation (quicker runs while working on the rest).
// Usage: npm run bench:rank [-- --subscribers 100000 --per-day 200 --ledger-days 45 --profile --skip-ledger]
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { fixedClock } from '../src/lib/clock.js';
import { silentLogger } from '../src/lib/logger.js';
import { parseHfItem } from '../src/ingest/hf-item.js';
import type { PaperEntry } from '../src/ingest/types.js';
import { createCandidatesRepo } from '../src/db/candidates-repo.js';
import { rankEdition } from '../src/rank/edition.js';
import { parseTopic } from '../src/rank/topics.js';
import { selectForSubscriber } from '../src/rank/select.js';
import type { ScoredPaper, TopicMatches } from '../src/rank/types.js';
import { prepareEdition } from '../src/digest/prepare.js';
import { createSentPapersRepo, LEDGER_MARGIN_DAYS } from '../src/db/sent-papers-repo.js';
import { sendDue } from '../src/mail/send-edition.js';
import type { Mailer } from '../src/mail/mailer.js';
import { pruneLedger } from '../src/jobs/daily.js';
import { benchProfiles } from './bench-profiles.js';

const { values: args } = parseArgs({
  options: { subscribers: { type: 'string', default: '100000' }, 'per-day': { type: 'string', default: '200' }, 'ledger-days': { type: 'string', default: '45' }, profile: { type: 'boolean', default: false }, 'skip-ledger': { type: 'boolean', default: false } },
});
const SUBSCRIBERS = Number(args.subscribers);
const PER_DAY = Number(args['per-day']);
/** Days of the ledger simulation: past the retention (window + margin), so the plateau shows. */
const LEDGER_DAYS = Math.max(30, Number(args['ledger-days']));
const WINDOW_DAYS = 30;
const OBSERVED_DAYS = 7; // HF_DAYS: each daily ingest re-reads the last week, so a paper gets up to 7 observations
const DATE = '2026-09-30';
const DAY = 86_400_000;
const at7 = (date: string) => new Date(`${date}T07:00:00.000Z`);
const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00.000Z`) + n * DAY).toISOString().slice(0, 10);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** [result, wall ms, CPU ms of this process]: on a shared machine the CPU time is the steadier figure. */
const time = <T>(fn: () => T): [T, number, number] => {
  const t = performance.now();
  const c = process.cpuUsage();
  const r = fn();
  const cpu = process.cpuUsage(c);
  return [r, performance.now() - t, (cpu.user + cpu.system) / 1000];
};
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

// Deterministic pseudo-random numbers (mulberry32), so every run builds the same data.
let seed = 20260930;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

// --- Papers: recorded items under fresh ids, PER_DAY per day, each with a vote curve that rises then saturates ---
const fixtures = fileURLToPath(new URL('../tests/fixtures/hf-daily/', import.meta.url));
const recorded = readdirSync(fixtures)
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => JSON.parse(readFileSync(join(fixtures, f), 'utf8')) as unknown[])
  .flatMap((raw) => {
    const r = parseHfItem(raw, '2026-01-01');
    return r.ok ? [r.entry] : [];
  });
const CATEGORIES = ['cs.CL', 'cs.CV', 'cs.LG', 'cs.AI', 'cs.RO', 'stat.ML', 'cs.IR', 'eess.AS'];
interface BenchPaper {
  entry: PaperEntry;
  date: string;
  total: number; // votes it will end with
  tauDays: number; // how fast it gets them
}
const firstDay = addDays(DATE, -(WINDOW_DAYS - 1));
const papers: BenchPaper[] = [];
for (let d = 0; d < WINDOW_DAYS; d++) {
  const date = addDays(firstDay, d);
  for (let i = 0; i < PER_DAY; i++) {
    const src = recorded[(d * PER_DAY + i) % recorded.length]!;
    const id = `${date.slice(2, 4)}${date.slice(5, 7)}.${String(10_000 + d * PER_DAY + i).padStart(5, '0')}`;
    papers.push({
      entry: { ...src, id, dailyDate: date, categories: [CATEGORIES[Math.floor(random() * CATEGORIES.length)]!] },
      date,
      total: Math.round((src.counters?.upvotes ?? 0) * (0.3 + 2 * random())),
      tauDays: 0.3 + 3 * random(),
    });
  }
}

// A realistic pool: phrases readers follow and arXiv categories; popularity falls off like a Zipf law.
const POOL = [
  'agents', 'llm agents', 'reinforcement learning', 'diffusion', 'video generation', 'world model', 'long context',
  'reasoning', 'benchmark', 'multimodal', 'vision-language', 'vision-language-action', 'robotics', 'embodied',
  'retrieval-augmented generation', 'RAG', 'memory', 'mixture of experts', 'MoE', 'distillation', 'on-policy distillation',
  'scaling laws', 'pretraining', 'tokenizer', 'speech recognition', 'text-to-speech', 'image editing', 'image generation',
  '3D generation', 'gaussian splatting', 'NeRF', 'point cloud', 'autonomous driving', 'code generation', 'coding agents',
  'software engineering', 'math reasoning', 'theorem proving', 'autoformalization', 'chain of thought', 'test-time scaling',
  'reward model', 'preference optimization', 'DPO', 'GRPO', 'RLHF', 'alignment', 'safety', 'jailbreak', 'prompt injection',
  'hallucination', 'interpretability', 'sparse autoencoders', 'quantization', 'pruning', 'inference efficiency',
  'speculative decoding', 'KV cache', 'attention', 'state space models', 'linear attention', 'transformers',
  'graph neural networks', 'time series', 'forecasting', 'recommendation', 'information retrieval', 'search',
  'question answering', 'summarization', 'machine translation', 'multilingual', 'low-resource languages', 'evaluation',
  'dataset', 'synthetic data', 'data curation', 'continual learning', 'federated learning', 'privacy', 'watermarking',
  'AI-generated video detection', 'deepfake', 'medical imaging', 'healthcare', 'chemistry', 'protein', 'materials',
  'climate', 'weather', 'physics', 'simulation', 'GUI agents', 'web agents', 'tool use', 'function calling',
  'planning', 'self-play', 'curriculum learning', 'active learning', 'few-shot', 'in-context learning', 'emergence',
  'optimizer', 'Muon', 'normalization', 'video understanding', 'audio', 'music generation', 'OCR', 'document parsing',
  'cs.CL', 'cs.CV', 'cs.LG', 'cs.AI', 'cs.RO', 'stat.ML', 'cs.IR', 'eess.AS',
];
const zipf = POOL.map((_, i) => 1 / (i + 1) ** 0.8);
const zipfTotal = zipf.reduce((a, b) => a + b, 0);
const pickTopic = () => {
  let r = random() * zipfTotal;
  for (let i = 0; i < POOL.length; i++) if ((r -= zipf[i]!) <= 0) return POOL[i]!;
  return POOL[POOL.length - 1]!;
};

// --- Build the database through the real repositories ---
const dir = mkdtempSync(join(tmpdir(), 'bench-rank-'));
const clock = fixedClock(at7(firstDay));
const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_PATH: join(dir, 'bench.db'), OUTBOX_DIR: join(dir, 'outbox') });
const app = createApp(config, { clock, logger: silentLogger() });
try {
  const [, ingestMs] = time(() => {
    // One ingest per day at 07:00, re-reading the last OBSERVED_DAYS days (counters as they stand that morning).
    for (let d = 0; d <= WINDOW_DAYS; d++) {
      const day = addDays(firstDay, d);
      const now = at7(day).getTime();
      const batch = papers
        .filter((p) => p.date <= day && p.date > addDays(day, -OBSERVED_DAYS))
        .map((p): PaperEntry => {
          const ageDays = (now - Date.parse(`${p.date}T00:00:00.000Z`)) / DAY;
          const votes = Math.round(p.total * (1 - Math.exp(-ageDays / p.tauDays)));
          return { ...p.entry, counters: { upvotes: votes, comments: Math.round(votes / 20), githubStars: p.entry.counters?.githubStars } };
        });
      if (batch.length) app.papers.upsertBatch('file', batch, at7(day).toISOString());
    }
  });
  const [, subscribeMs] = time(() =>
    app.db
      .transaction(() => {
        const now = at7(firstDay).toISOString();
        for (let i = 0; i < SUBSCRIBERS; i++) {
          const topics = new Set<string>();
          while (topics.size < 3) topics.add(pickTopic());
          app.subscriptions.repo.create({ email: `reader${i}@bench.example`, status: 'active', now, topics: [...topics] });
        }
      })
      .immediate(),
  );
  const observations = (app.db.prepare('SELECT count(*) AS n FROM observations').get() as { n: number }).n;
  const distinctTopics = (app.db.prepare('SELECT count(DISTINCT topic) AS n FROM subscriber_topics').get() as { n: number }).n;

  // Yesterday's edition first, sent and accepted, so that today's selections skip what each subscriber already got
  // (the real case): the real sender, with a mail server that accepts everything at once (the only fake here).
  clock.set(at7(addDays(DATE, -1)));
  const [yesterday, yesterdayMs] = time(() => prepareEdition(app, addDays(DATE, -1), app.prepareSettings));
  const acceptAll: Mailer = { kind: 'smtp', send: async (m) => ({ messageId: m.messageId ?? '', response: '250 2.0.0 OK' }), close: async () => {} };
  const t0 = performance.now();
  const accepted = await sendDue({ store: app.store, mailer: acceptAll, clock, logger: app.logger }, { ...app.sendSettings, concurrency: 64 }, { editionId: yesterday.edition.id });
  const acceptMs = performance.now() - t0;
  clock.set(at7(DATE));
  const now = clock.now();
  const repo = createCandidatesRepo(app.db);

  // BASELINE: the global trending list, once (median of 5).
  const globalRuns: number[] = [];
  const globalCpu: number[] = [];
  let ranking = rankEdition(repo, DATE, app.prepareSettings);
  for (let i = 0; i < 5; i++) {
    const [r, ms, cpu] = time(() => rankEdition(repo, DATE, app.prepareSettings));
    ranking = r;
    globalRuns.push(ms);
    globalCpu.push(cpu);
  }
  const globalMs = median(globalRuns);

  // Topic matching: once per distinct topic query, shared by every follower.
  const topicsOf = repo.topicsOf(0, Number.MAX_SAFE_INTEGER);
  const [, matchMs] = time(() => {
    for (const list of topicsOf.values()) for (const t of list) ranking.topic(t);
  });
  const queries = ranking.queriesRun();

  // OURS: the personal selection of every subscriber (their sent ledger read in pages, like prepareEdition).
  const sent = createSentPapersRepo(app.db).sentSince(ranking.from.slice(0, 10), 0, Number.MAX_SAFE_INTEGER);
  const none = new Set<string>();
  let selected = 0;
  const selectAll = (trending: ScoredPaper[]) => {
    selected = 0;
    for (const [id, names] of topicsOf) {
      const topics: TopicMatches[] = [];
      for (const n of names) {
        const m = ranking.topic(n);
        if (m) topics.push(m);
      }
      const sections = selectForSubscriber(trending, topics, {
        size: app.prepareSettings.size,
        topicSectionSize: app.prepareSettings.topicSectionSize,
        alreadySent: sent.get(id) ?? none,
      });
      for (const s of sections) selected += s.papers.length;
    }
  };
  const [, selectMs, selectCpu] = time(() => selectAll(ranking.trending));
  const perSubUs = (selectMs * 1000) / topicsOf.size;
  // The same with ten times the candidates (the list padded below with papers nobody votes for): per-subscriber
  // work must not grow with the number of papers.
  const padded = [
    ...ranking.trending,
    ...Array.from({ length: 9 * ranking.trending.length }, (_, i) => ({ ...ranking.trending[i % ranking.trending.length]!, id: `pad.${i}`, score: 0 })),
  ];
  const [, , paddedCpu] = time(() => selectAll(padded));

  // OURS, end to end: today's prepareEdition (one transaction).
  const [today, prepareMs, prepareCpu] = time(() => prepareEdition(app, DATE, app.prepareSettings));

  // For scale: matching topics per subscriber instead of per topic (sampled, then extrapolated).
  const SAMPLE = Math.min(200, SUBSCRIBERS);
  const sampleIds = [...topicsOf.keys()].slice(0, SAMPLE);
  const [, naiveMs] = time(() => {
    for (const id of sampleIds)
      for (const t of topicsOf.get(id)!) {
        const q = parseTopic(t);
        if (q) repo.matchTopic(q, ranking.from, ranking.asOf);
      }
  });

  console.log(
    `bench:rank — ${DATE}: ${fmt(ranking.candidates.length)} candidates over ${WINDOW_DAYS} days (${PER_DAY}/day, ${fmt(observations)} observations), ` +
      `${fmt(SUBSCRIBERS)} subscribers × 3 topics (${distinctTopics} distinct of a pool of ${POOL.length})`,
  );
  console.log(
    `  setup: ingest ${fmt(ingestMs / 1000)} s, subscribers ${fmt(subscribeMs / 1000)} s, yesterday's edition ${fmt(yesterdayMs / 1000)} s (${fmt(yesterday.deliveries)} deliveries), ` +
      `sent and accepted in ${fmt(acceptMs / 1000)} s (${fmt(accepted.sent)} sent)`,
  );
  console.log(
    `  BASELINE  global trending list, once (load + score + sort ${fmt(ranking.candidates.length)} papers): ${fmt(globalMs)} ms wall, ${fmt(median(globalCpu))} ms CPU (median of 5)`,
  );
  console.log(
    `  OURS      personal selection, per subscriber: ${perSubUs.toFixed(2)} µs wall, ${((selectCpu * 1000) / topicsOf.size).toFixed(2)} µs CPU ` +
      `(${fmt(topicsOf.size)} in ${fmt(selectMs)} ms, ${fmt(selected / topicsOf.size)} papers each)`,
  );
  console.log(`            = ${((perSubUs / 1000 / globalMs) * 100).toFixed(4)} % of one global ranking (wall)`);
  console.log(`            with 10× the candidates (${fmt(padded.length)}): ${((paddedCpu * 1000) / topicsOf.size).toFixed(2)} µs CPU per subscriber`);
  console.log(`  OURS      topic matching, once per distinct query: ${queries} FTS5/category queries in ${fmt(matchMs)} ms`);
  console.log(
    `  OURS      prepareEdition end to end (every step at once, ${fmt(today.deliveries)} deliveries, ${fmt(today.skipped)} skipped): ` +
      `${fmt(prepareMs / 1000)} s wall, ${fmt(prepareCpu / 1000)} s CPU = ${fmt((prepareMs * 1000) / SUBSCRIBERS)} µs wall, ` +
      `${fmt((prepareCpu * 1000) / SUBSCRIBERS)} µs CPU per subscriber (it writes no ledger row: papers count as sent on acceptance)`,
  );
  // Readers with a profile ("Picked for you"): the same edition prepared again with 30 % of them holding 20 papers.
  for (const line of await benchProfiles(app, DATE, { withoutMs: { wall: prepareMs, cpu: prepareCpu }, profile: args.profile })) console.log(line);
  console.log(
    `  NAIVE     topics matched per subscriber instead: ${fmt(naiveMs)} ms for ${fmt(SAMPLE)} subscribers → ~${fmt((naiveMs / SAMPLE) * SUBSCRIBERS / 1000)} s for ${fmt(SUBSCRIBERS)} (vs ${fmt(matchMs)} ms once per topic)`,
  );

  if (!args['skip-ledger']) {
    // LEDGER: the never-twice ledger over LEDGER_DAYS days at this audience, with retention on. Day 1 is yesterday's
    // edition, really sent above; each later day an edition, every subscriber's accepted digest (the papers of their
    // real digest) and the daily job's prune.
    const ledger = createSentPapersRepo(app.db);
    const digests = [...ledger.sentSince(addDays(DATE, -1), 0, Number.MAX_SAFE_INTEGER)].map(([id, papers]) => [id, [...papers]] as const);
    const keep = app.config.digest.candidateWindowDays + LEDGER_MARGIN_DAYS;
    const report: string[] = [];
    let writeMs = 0;
    let pruneMs = 0;
    for (let d = 2; d <= LEDGER_DAYS; d++) {
      const date = addDays(DATE, d - 1);
      clock.set(at7(date));
      const { edition } = prepareEdition(app, date, app.prepareSettings, { emptyReason: 'ledger simulation' });
      const w = performance.now();
      app.db.transaction(() => {
        for (const [id, papers] of digests) ledger.recordDigest(edition.id, id, papers);
      }).immediate();
      writeMs += performance.now() - w;
      const p = performance.now();
      await pruneLedger(app, date);
      pruneMs += performance.now() - p;
      if (d === 30 || d === LEDGER_DAYS) {
        const size = ledger.size();
        report.push(`after ${d} days: ${fmt(size.digests)} rows (${fmt(size.papers)} papers sent), ${fmt(ledger.diskBytes() / 1024 / 1024)} MB`);
      }
    }
    console.log(
      `  LEDGER    sent papers at ${fmt(digests.length)} subscribers (${fmt(digests.reduce((n, [, p]) => n + p.length, 0) / digests.length)} papers a digest), ` +
        `retention: the edition's date and the ${keep} days before (CANDIDATE_WINDOW_DAYS + ${LEDGER_MARGIN_DAYS}): ${report.join('; ')}`,
    );
    console.log(`            per day: ${fmt(writeMs / (LEDGER_DAYS - 1))} ms to write a day's digests, ${fmt(pruneMs / (LEDGER_DAYS - 1))} ms to prune (daily job, batches of 2,000)`);
  }
} finally {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}
