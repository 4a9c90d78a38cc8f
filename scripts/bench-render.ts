// Benchmark: per-recipient render rate of the digest for 10,000 recipients with personal sections.
// OURS: compile the edition's MJML once, then fill each recipient from fragments (compileEdition + renderFor).
// BASELINE, same run: the naive way, one MJML compile per recipient (Handlebars + mjml2html of that
// recipient's papers). MJML costs tens to hundreds of ms, so the baseline is measured on a small sample of
// recipients and its rate extrapolated to the full audience — the output says so.
// The edition is the bundled sample week, prepared for real in a temp SQLite file; recipients' sections are
// drawn (seeded) from the real Top trending and the real "For you" sections of several topic sets.
// Usage: npm run bench:render [-- --recipients 10000 --naive-sample 30]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createSampleApp, prepareSampleEdition } from '../src/digest/sample-edition.js';
import { compileStoredEdition, publicSections } from '../src/digest/stored-edition.js';
import { compileEdition, type RecipientParts } from '../src/digest/render.js';
import { subscriberUrls } from '../src/http/links.js';
import type { Section } from '../src/rank/select.js';

const { values: args } = parseArgs({ options: { recipients: { type: 'string', default: '10000' }, 'naive-sample': { type: 'string', default: '30' } } });
const RECIPIENTS = Number(args.recipients);
const NAIVE_SAMPLE = Math.min(Number(args['naive-sample']), RECIPIENTS);
if (!Number.isInteger(RECIPIENTS) || RECIPIENTS < 1 || !Number.isInteger(NAIVE_SAMPLE) || NAIVE_SAMPLE < 1) {
  console.error('--recipients and --naive-sample must be whole numbers ≥ 1');
  process.exit(2);
}

const TOPIC_SETS = [['agents'], ['diffusion'], ['reinforcement learning'], ['robot'], ['video'], ['reasoning', 'math'], ['speech'], ['retrieval']];

/** mulberry32: a small seeded PRNG, so every run draws the same recipients. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const dir = mkdtempSync(join(tmpdir(), 'papers-bench-render-'));
try {
  // --- A real edition: ingest the sample, subscribers with topics, prepare ---
  const app = createSampleApp(dir);
  const { edition, deliveries } = await prepareSampleEdition(
    app,
    TOPIC_SETS.map((topics, i) => ({ email: `reader${i}@example.org`, topics })),
  );
  const size = app.config.digest.size;
  const trending = publicSections(edition, size)[0]!;
  const topicPool = [...new Map(deliveries.flatMap((d) => d.sections.filter((s) => s.kind === 'topic')).map((s) => [s.title, s])).values()];
  const settings = { publicBaseUrl: app.config.publicBaseUrl };

  // --- The audience: each recipient has their own Top trending (minus papers already sent) and topics ---
  const random = rng(20260821);
  const recipients: RecipientParts[] = [];
  for (let id = 1; id <= RECIPIENTS; id++) {
    const alreadySent = new Set(trending.papers.filter(() => random() < 0.1).map((p) => p.id));
    const sections: Section[] = [];
    const top = trending.papers.filter((p) => !alreadySent.has(p.id));
    if (top.length) sections.push({ ...trending, papers: top });
    const used = new Set(top.map((p) => p.id));
    const topics = Math.floor(random() * 4);
    for (let t = 0; t < topics && topicPool.length; t++) {
      const pick = topicPool[Math.floor(random() * topicPool.length)]!;
      const papers = pick.papers.filter((p) => !used.has(p.id));
      if (!papers.length) continue;
      papers.forEach((p) => used.add(p.id));
      sections.push({ ...pick, papers });
    }
    if (!sections.length) sections.push(trending);
    recipients.push({ sections, ...subscriberUrls(settings.publicBaseUrl, app.config.secretKey, id) });
  }
  await app.close();
  const avgSections = recipients.reduce((n, r) => n + r.sections.length, 0) / RECIPIENTS;
  const avgPapers = recipients.reduce((n, r) => n + r.sections.reduce((m, s) => m + s.papers.length, 0), 0) / RECIPIENTS;

  // --- OURS: one compile, then every recipient from fragments ---
  const t0 = performance.now();
  const compiled = await compileStoredEdition(edition, settings);
  const compileMs = performance.now() - t0;
  for (let i = 0; i < Math.min(200, RECIPIENTS); i++) compiled.renderFor(recipients[i]!); // warm-up
  let bytes = 0;
  const t1 = performance.now();
  for (const r of recipients) bytes += compiled.renderFor(r).html.length;
  const oursMs = performance.now() - t1;
  const oursRate = RECIPIENTS / (oursMs / 1000);

  // --- BASELINE: one MJML compile per recipient, on a sample ---
  const papersById = new Map(edition.papers.map((p) => [p.snapshot.id, p.snapshot]));
  const naive = async (r: RecipientParts) => {
    const mine = r.sections.flatMap((s) => s.papers.map((p) => papersById.get(p.id)!));
    return (await compileEdition({ date: edition.date, subject: edition.subject, papers: mine }, settings)).renderFor(r);
  };
  await naive(recipients[0]!); // warm-up (module and JIT start-up is not the naive way's fault)
  const sample = recipients.slice(0, NAIVE_SAMPLE);
  let identical = 0;
  const t2 = performance.now();
  for (const r of sample) {
    const html = (await naive(r)).html;
    if (html === compiled.renderFor(r).html) identical++;
  }
  const naiveMs = performance.now() - t2; // includes one fragment render per sample for the comparison: microseconds
  const naiveRate = NAIVE_SAMPLE / (naiveMs / 1000);

  console.log(`render benchmark — edition ${edition.date}: ${edition.papers.length} papers compiled; ${fmt(RECIPIENTS)} recipients with personal sections`);
  console.log(`  (avg ${fmt(avgSections, 1)} sections, ${fmt(avgPapers, 1)} papers, ${fmt(bytes / RECIPIENTS / 1024, 1)} KB of HTML per recipient)`);
  console.log(
    `OURS      compile once ${fmt(compileMs)} ms, then ${fmt(RECIPIENTS)} renders in ${fmt(oursMs)} ms → ${fmt(oursRate)} recipients/s (${fmt((oursMs * 1000) / RECIPIENTS, 1)} µs each)`,
  );
  console.log(
    `BASELINE  one MJML compile per recipient, MEASURED on ${NAIVE_SAMPLE} recipients: ${fmt(naiveMs)} ms → ${fmt(naiveRate, 1)} recipients/s (${fmt(naiveMs / NAIVE_SAMPLE, 1)} ms each)`,
  );
  console.log(
    `          EXTRAPOLATED to ${fmt(RECIPIENTS)} recipients: ${fmt((RECIPIENTS / naiveRate) / 60, 1)} min (ours, compile included: ${fmt((compileMs + oursMs) / 1000, 2)} s)`,
  );
  console.log(
    `SPEED-UP  ${fmt(oursRate / naiveRate)}× per recipient (target ≥ 500×); ${fmt((RECIPIENTS / naiveRate) / ((compileMs + oursMs) / 1000))}× for the whole audience including the one compile`,
  );
  console.log(`          same HTML as the naive way for ${identical} of the ${NAIVE_SAMPLE} sampled recipients`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
