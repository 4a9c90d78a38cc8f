// `npm run eval:personal`: how well a reader's profile finds what they care about, on real arXiv listings with known
// categories (tests/fixtures/arxiv/rss-2026-05: cs.AI, cs.CL, cs.CV, cs.LG on 2026-05-12, -13, -14). For each category
// a profile of 10 papers whose PRIMARY category it is (from the first two days) ranks the real papers of the third
// day (disjoint), through the same code the digest uses (term space, pool index, scoreReader); precision@10 is the
// share of the top 10 whose primary category is the profile's. Printed beside two baselines of the same run:
// trending only (Hugging Face upvotes where a paper has them, else arrival order: arXiv ids are given in submission
// order) and random. Then 3 "less like this" papers from a neighbouring category join each profile: that category's
// share of the top must drop. Several profiles per category (seeded draws), averaged.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createArxivXmlParser } from '../src/ingest/arxiv-xml.js';
import { parseRssItem } from '../src/ingest/arxiv-rss-item.js';
import { parseHfItem } from '../src/ingest/hf-item.js';
import { buildTermSpace, createTerms, type PaperText } from '../src/rank/text-vectors.js';
import { buildPoolIndex, scoreReader, type ProfileEntry } from '../src/rank/profile.js';
import { profileNeighbours } from '../src/rank/personal.js';

export const CATEGORIES = ['cs.AI', 'cs.CL', 'cs.CV', 'cs.LG'] as const;
/** The category whose papers a reader of each marks "less like this": the one its papers are most often confused with. */
export const NEIGHBOUR: Record<(typeof CATEGORIES)[number], (typeof CATEGORIES)[number]> = { 'cs.AI': 'cs.LG', 'cs.CL': 'cs.AI', 'cs.CV': 'cs.LG', 'cs.LG': 'cs.AI' };
const PROFILE_DAYS = ['2026-05-12', '2026-05-13'];
const CANDIDATE_DAY = '2026-05-14';
const PROFILE_SIZE = 10;
const NEGATIVES = 3;
const TOP = 10;
const DRAWS = 20;
const RANDOM_SHUFFLES = 50;
/** Nothing excluded: the evaluation's readers were sent none of the candidates. */
const NOTHING: ReadonlySet<string> = new Set();

interface EvalPaper extends PaperText {
  primary: string;
  upvotes: number | null;
}

export interface CategoryResult {
  category: string;
  ours: number;
  /** The same with the papers' arXiv categories left out of the vectors: title, abstract and keywords only. */
  textOnly: number;
  trending: number;
  random: number;
  neighbour: string;
  /** Share of the top 10 in the neighbouring category, without and with the 3 "less like this" papers. */
  neighbourBefore: number;
  neighbourAfter: number;
  /** Precision@10 with the negatives added. */
  oursWithNegatives: number;
}

export interface EvalResult {
  candidates: number;
  withUpvotes: number;
  categories: CategoryResult[];
  mean: { ours: number; textOnly: number; trending: number; random: number; oursWithNegatives: number; neighbourBefore: number; neighbourAfter: number };
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The new papers of one day's listings (announce types new and cross), each once, primary category first. */
function readDay(dir: string, day: string, upvotes: ReadonlyMap<string, number>): EvalPaper[] {
  const parser = createArxivXmlParser();
  const byId = new Map<string, EvalPaper>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith(`-${day}.xml`)).sort()) {
    const doc = parser.parse(readFileSync(join(dir, f), 'utf8')) as { rss: { channel: { item?: unknown[] } } };
    for (const raw of doc.rss.channel.item ?? []) {
      const r = parseRssItem(raw);
      if (!r.ok || r.entry.updateOnly || byId.has(r.entry.id) || !r.entry.categories[0]) continue;
      byId.set(r.entry.id, { id: r.entry.id, title: r.entry.title, abstract: r.entry.abstract ?? null, keywords: [], categories: r.entry.categories, primary: r.entry.categories[0], upvotes: upvotes.get(r.entry.id) ?? null });
    }
  }
  return [...byId.values()];
}

/** Upvotes of every paper in the recorded Hugging Face days (the trending baseline's only signal). */
function hfUpvotes(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const items = JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown;
    if (!Array.isArray(items)) continue;
    for (const raw of items) {
      const r = parseHfItem(raw, f.slice(0, 10));
      if (r.ok && r.entry.counters?.upvotes !== undefined) out.set(r.entry.id, Math.max(out.get(r.entry.id) ?? 0, r.entry.counters.upvotes));
    }
  }
  return out;
}

const share = (ids: readonly string[], byId: ReadonlyMap<string, EvalPaper>, category: string) =>
  ids.slice(0, TOP).filter((id) => byId.get(id)?.primary === category).length / TOP;

export function runPersonalEval(fixtures = fileURLToPath(new URL('../tests/fixtures/', import.meta.url))): EvalResult {
  const upvotes = hfUpvotes(join(fixtures, 'hf-daily'));
  const rssDir = join(fixtures, 'arxiv', 'rss-2026-05');
  const profilePapers = PROFILE_DAYS.flatMap((d) => readDay(rssDir, d, upvotes));
  const profileIds = new Set(profilePapers.map((p) => p.id));
  // Disjoint: a paper cross-listed on an earlier day never counts as a candidate.
  const candidates = readDay(rssDir, CANDIDATE_DAY, upvotes).filter((p) => !profileIds.has(p.id));
  const byId = new Map(candidates.map((p) => [p.id, p]));

  // The edition's side, as prepare builds it: one term space and one pool index over the candidates.
  const terms = createTerms();
  const space = buildTermSpace(candidates.map((p) => terms.count(p)));
  const maxVotes = Math.max(1, ...candidates.map((p) => p.upvotes ?? 0));
  const ix = buildPoolIndex(
    candidates.map((p) => ({ id: p.id, vector: space.vector(terms.count(p)), trend: (p.upvotes ?? 0) / maxVotes })),
    space.size,
  );
  // Profile papers as the digest reads them: their nearest pool papers (rank/personal.ts).
  const entry = (p: EvalPaper, signal: 1 | -1): ProfileEntry => ({ paperId: p.id, signal, title: p.title, near: profileNeighbours(ix, space, terms, p) });
  // The text-only variant: the same papers without their categories.
  const bare = (p: EvalPaper): EvalPaper => ({ ...p, categories: [] });
  const textTerms = createTerms();
  const textSpace = buildTermSpace(candidates.map((p) => textTerms.count(bare(p))));
  const textIx = buildPoolIndex(
    candidates.map((p) => ({ id: p.id, vector: textSpace.vector(textTerms.count(bare(p))), trend: (p.upvotes ?? 0) / maxVotes })),
    textSpace.size,
  );

  // Trending only: upvotes where known, then arrival order (arXiv ids are assigned in submission order).
  const trendingOrder = [...candidates].sort((a, b) => (b.upvotes ?? -1) - (a.upvotes ?? -1) || (a.id < b.id ? -1 : 1)).map((p) => p.id);
  const random = rng(20260514);

  const results: CategoryResult[] = CATEGORIES.map((category) => {
    const pool = profilePapers.filter((p) => p.primary === category);
    const neighbour = NEIGHBOUR[category];
    const negPool = profilePapers.filter((p) => p.primary === neighbour);
    let ours = 0;
    let textOnly = 0;
    let withNeg = 0;
    let before = 0;
    let after = 0;
    for (let draw = 0; draw < DRAWS; draw++) {
      const chosen = sample(pool, PROFILE_SIZE, random);
      const liked = chosen.map((p) => entry(p, 1));
      const disliked = sample(negPool, NEGATIVES, random).map((p) => entry(p, -1));
      const top = scoreReader(ix, liked, { size: TOP }, NOTHING).picked.map((p) => p.id);
      const textProfile = chosen.map((p): ProfileEntry => ({ paperId: p.id, signal: 1, title: p.title, near: profileNeighbours(textIx, textSpace, textTerms, bare(p)) }));
      textOnly += share(scoreReader(textIx, textProfile, { size: TOP }, NOTHING).picked.map((p) => p.id), byId, category);
      const topNeg = scoreReader(ix, [...liked, ...disliked], { size: TOP }, NOTHING).picked.map((p) => p.id);
      ours += share(top, byId, category);
      withNeg += share(topNeg, byId, category);
      before += share(top, byId, neighbour);
      after += share(topNeg, byId, neighbour);
    }
    let rand = 0;
    for (let i = 0; i < RANDOM_SHUFFLES; i++) rand += share(sample(candidates, TOP, random).map((p) => p.id), byId, category);
    return {
      category,
      ours: ours / DRAWS,
      textOnly: textOnly / DRAWS,
      trending: share(trendingOrder, byId, category),
      random: rand / RANDOM_SHUFFLES,
      neighbour,
      neighbourBefore: before / DRAWS,
      neighbourAfter: after / DRAWS,
      oursWithNegatives: withNeg / DRAWS,
    };
  });
  const mean = (k: keyof Omit<CategoryResult, 'category' | 'neighbour'>) => results.reduce((s, r) => s + r[k], 0) / results.length;
  return {
    candidates: candidates.length,
    withUpvotes: candidates.filter((p) => p.upvotes !== null).length,
    categories: results,
    mean: {
      ours: mean('ours'),
      textOnly: mean('textOnly'),
      trending: mean('trending'),
      random: mean('random'),
      oursWithNegatives: mean('oursWithNegatives'),
      neighbourBefore: mean('neighbourBefore'),
      neighbourAfter: mean('neighbourAfter'),
    },
  };
}

function sample<T>(xs: readonly T[], n: number, random: () => number): T[] {
  const copy = [...xs];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

function main(): void {
  const t = performance.now();
  const r = runPersonalEval();
  const pct = (x: number) => x.toFixed(2);
  console.log(
    `eval:personal — ${r.candidates} real arXiv papers announced ${CANDIDATE_DAY} (cs.AI, cs.CL, cs.CV, cs.LG; ${r.withUpvotes} with Hugging Face upvotes), ` +
      `profiles of ${PROFILE_SIZE} papers from ${PROFILE_DAYS.join(', ')} (${DRAWS} draws per category)`,
  );
  console.log('  precision@10 (share of the top 10 whose primary category is the profile\'s)');
  console.log('  category   OURS   (text only)   trending   random   | + 3 "less like this" from  neighbour share of top 10: before → after   OURS');
  for (const c of [...r.categories, { ...r.mean, category: 'mean', neighbour: '' }])
    console.log(
      `  ${c.category.padEnd(9)}  ${pct(c.ours)}   (${pct(c.textOnly)})        ${pct(c.trending)}       ${pct(c.random)}     |   ${c.neighbour.padEnd(24)} ${pct(c.neighbourBefore)} → ${pct(c.neighbourAfter)}                  ${pct(c.oursWithNegatives)}`,
    );
  console.log(
    `  OURS / trending = ${(r.mean.ours / Math.max(r.mean.trending, 1e-9)).toFixed(1)}× (target ≥ 2×); OURS ≥ 0.70: ${r.mean.ours >= 0.7 ? 'yes' : 'NO'}; ` +
      `neighbour share drops with "less like this": ${r.mean.neighbourAfter < r.mean.neighbourBefore ? 'yes' : 'NO'} (${((performance.now() - t) / 1000).toFixed(1)} s)`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
