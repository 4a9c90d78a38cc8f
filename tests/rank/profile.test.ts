// "Picked for you" through prepareEdition on the recorded Hugging Face week: readers without a profile get exactly the
// selections they got before profiles existed; a reader with one gets a "Picked for you" section with reasons naming
// their papers; "less like this" pushes similar papers down in Top trending; papers kept as ids are used once stored.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runIngest } from '../../src/ingest/run-ingest.js';
import { prepareEdition } from '../../src/digest/prepare.js';
import type { Section } from '../../src/rank/select.js';
import { buildTermSpace, createTerms } from '../../src/rank/text-vectors.js';
import { buildPoolIndex, COS_SCALE, MAX_POOL, nearCosine, nearPosition, neighbours, nthLargest, scoreReader } from '../../src/rank/profile.js';
import { profileNeighbours } from '../../src/rank/personal.js';

/** Nothing excluded (a reader who was sent none of the pool). */
const NOTHING: ReadonlySet<string> = new Set();
const DATE = '2026-08-21';
const apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.cleanup();
});

async function appWithReaders(): Promise<{ app: TestApp; ids: number[] }> {
  const app = createTestApp({ SOURCES: 'file', PICKED_SECTION_SIZE: '3' }, { clock: fixedClock(`${DATE}T07:00:00.000Z`) });
  apps.push(app);
  const now = app.clock.now().toISOString();
  const ids = [
    app.subscriptions.repo.create({ email: 'plain@example.org', status: 'active', now }),
    app.subscriptions.repo.create({ email: 'topics@example.org', status: 'active', now, topics: ['agents', 'diffusion'] }),
    app.subscriptions.repo.create({ email: 'weekly@example.org', status: 'active', now, frequency: 'weekly' }),
    app.subscriptions.repo.create({ email: 'profile@example.org', status: 'active', now, topics: ['agents'] }),
  ];
  const [r] = await runIngest({ ...app, sources: app.sources('file') }, { days: 10 });
  expect(r?.ok).toBe(true);
  return { app, ids };
}

const selections = (app: TestApp) =>
  new Map(
    (app.db.prepare('SELECT subscriber_id, selection_json FROM deliveries ORDER BY subscriber_id').all() as { subscriber_id: number; selection_json: string }[]).map(
      (r) => [r.subscriber_id, JSON.parse(r.selection_json) as Section[]],
    ),
  );

/** Papers of the candidate window about one subject, by their title (the recorded week is real data). */
function papersAbout(app: TestApp, word: string): { id: string; title: string }[] {
  return app.db.prepare("SELECT id, title FROM papers WHERE title LIKE ? AND daily_date >= '2026-08-10' ORDER BY id").all(`%${word}%`) as { id: string; title: string }[];
}

describe('Picked for you', () => {
  it('leaves every reader without a profile exactly as they were, and gives the reader with one a section with reasons', async () => {
    const before = await appWithReaders();
    prepareEdition(before.app, DATE, before.app.prepareSettings);
    const after = await appWithReaders();
    const liked = papersAbout(after.app, 'Agent').slice(0, 3);
    expect(liked.length).toBe(3);
    for (const p of liked) await after.app.profiles.setFeedback(after.ids[3]!, p.id, 'more');
    // The ranking sees the same papers in both apps.
    prepareEdition(after.app, DATE, after.app.prepareSettings);

    const a = selections(before.app);
    const b = selections(after.app);
    for (const id of before.ids.slice(0, 3)) expect(b.get(id), `reader ${id}`).toEqual(a.get(id));
    expect(a.get(before.ids[3]!)!.map((s) => s.kind)).not.toContain('picked');

    const withProfile = b.get(after.ids[3]!)!;
    expect(withProfile.map((s) => s.kind)).toEqual(['trending', 'picked', 'topic']);
    const picked = withProfile.find((s) => s.kind === 'picked')!;
    expect(picked.title).toBe('Picked for you');
    expect(picked.papers).toHaveLength(3);
    const titles = liked.map((p) => p.title.slice(0, 20));
    for (const p of picked.papers) {
      expect(p.reason).toMatch(/^like (a paper|\d papers) you saved: “/);
      expect(titles.some((t) => p.reason.includes(t))).toBe(true);
    }
    // Never a paper twice, never one of their own liked papers shown as news it is not (liked ≠ excluded, but not repeated).
    const all = withProfile.flatMap((s) => s.papers.map((p) => p.id));
    expect(new Set(all).size).toBe(all.length);
  });

  it('"less like this" pushes similar papers down in Top trending', async () => {
    const { app, ids } = await appWithReaders();
    const reader = ids[0]!;
    // Mark the edition's top trending paper "less like this": it and papers like it move down.
    const probe = await appWithReaders();
    prepareEdition(probe.app, DATE, probe.app.prepareSettings);
    const top = selections(probe.app).get(probe.ids[0]!)![0]!.papers.map((p) => p.id);
    await app.profiles.setFeedback(reader, top[0]!, 'less');
    prepareEdition(app, DATE, app.prepareSettings);
    const mine = selections(app).get(reader)![0]!.papers.map((p) => p.id);
    expect(mine).toHaveLength(top.length);
    expect(mine.indexOf(top[0]!) === -1 || mine.indexOf(top[0]!) > 0).toBe(true);
    expect(mine).not.toEqual(top);
    // The others are untouched.
    expect(selections(app).get(ids[1]!)).toEqual(selections(probe.app).get(probe.ids[1]!));
  });

  it('keeps a pasted id that no source brought yet, and uses it once a source does', async () => {
    const { app, ids } = await appWithReaders();
    const reader = ids[0]!;
    await app.profiles.importPapers(reader, { format: 'list', papers: [{ paperId: '2608.99991', title: null, abstract: null }], skipped: [] });
    prepareEdition(app, '2026-08-20', app.prepareSettings);
    expect(selections(app).get(reader)!.map((s) => s.kind)).toEqual(['trending']); // nothing to compare with yet
    // A source brings it (an old paper about agents: not a candidate itself, but now the profile has its text).
    const agent = papersAbout(app, 'Agent')[0]!;
    const row = app.papers.get(agent.id)!;
    app.papers.upsertBatch('arxiv', [{ id: '2608.99991', title: row.title, abstract: row.abstract ?? undefined, authors: [], aiKeywords: row.aiKeywords, categories: [], publishedAt: '2025-01-01T00:00:00.000Z' }], '2026-08-21T06:00:00.000Z');
    prepareEdition(app, DATE, app.prepareSettings);
    const sections = app.db.prepare('SELECT selection_json FROM deliveries d JOIN editions e ON e.id = d.edition_id WHERE e.date = ? AND d.subscriber_id = ?').get(DATE, reader) as { selection_json: string };
    expect((JSON.parse(sections.selection_json) as Section[]).map((s) => s.kind)).toContain('picked');
  });
});

describe('scoreReader', () => {
  const docs = [
    { id: 'a', title: 'Machine translation with large language models', abstract: 'We translate text between languages with language models.' },
    { id: 'b', title: 'Image segmentation with diffusion models', abstract: 'Pixels, images and segmentation masks from diffusion.' },
    { id: 'c', title: 'Aligning language models with human feedback', abstract: 'Preference optimization for language models.' },
    { id: 'd', title: 'Video diffusion for image generation', abstract: 'Diffusion models generate images and videos.' },
  ];
  const terms = createTerms();
  const space = buildTermSpace(docs.map((d) => terms.count(d)));
  const ix = buildPoolIndex(
    docs.map((d) => ({ id: d.id, vector: space.vector(terms.count(d)), trend: 0 })),
    space.size,
  );
  const entry = (title: string, signal: 1 | -1) => ({ paperId: title, signal, title, near: profileNeighbours(ix, space, terms, { id: title, title }) });

  it('ranks by resemblance to the liked papers, names them, honours exclusions, and scores nothing for an empty profile', () => {
    const r = scoreReader(ix, [entry('Language models for translation', 1)], { size: 2 }, NOTHING);
    expect(r.picked.map((p) => p.id)).toEqual(['a', 'c']);
    expect(r.reason('a')).toBe('like a paper you saved: “Language models for translation”');
    expect(r.demotes).toBe(false);
    expect(r.demotion('b')).toBe(1);
    const without = scoreReader(ix, [entry('Language models for translation', 1)], { size: 2 }, new Set(['a'])).picked.map((p) => p.id);
    expect(without[0]).toBe('c');
    expect(without).not.toContain('a');
    expect(scoreReader(ix, [], { size: 5 }, NOTHING)).toMatchObject({ picked: [], demotes: false });
  });

  it('"less like this" lowers similar candidates and yields a demotion factor only for papers like the disliked ones', () => {
    const r = scoreReader(ix, [entry('Diffusion models for images', -1)], { size: 4 }, NOTHING);
    expect(r.picked).toEqual([]);
    // Papers about diffusion and images go down far more than one that only shares the word "models".
    expect(r.demotion('b')).toBeLessThan(0.5);
    expect(r.demotion('d')).toBeLessThan(0.5);
    expect(r.demotion('a')).toBeGreaterThan(Math.max(r.demotion('b'), r.demotion('d')) + 0.2);
    expect(r.demotion('not in the pool')).toBe(1);
    // The scratch space is left clean: the next reader scores as if first.
    const again = scoreReader(ix, [entry('Language models for translation', 1)], { size: 2 }, NOTHING);
    expect(again.picked.map((p) => p.id)).toEqual(['a', 'c']);
  });
});

describe('neighbours', () => {
  // Deterministic pseudo-random numbers (mulberry32).
  const random = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  it('nthLargest agrees with a sort, ties and sorted input included', () => {
    const next = random(5);
    for (const n of [1, 2, 3, 10, 97, 500]) {
      for (const shape of ['random', 'ties', 'ascending', 'descending'] as const) {
        const xs = Float64Array.from({ length: n }, (_, i) =>
          shape === 'random' ? next() : shape === 'ties' ? Math.floor(next() * 4) / 4 : shape === 'ascending' ? i : n - i,
        );
        const sorted = [...xs].sort((a, b) => b - a);
        for (const k of new Set([1, Math.ceil(n / 3), n])) expect(nthLargest(xs.slice(), n, k), `${shape} n=${n} k=${k}`).toBe(sorted[k - 1]);
      }
    }
  });

  it('keeps the nearest pool papers in pool order, ties to the earliest, with their cosines', () => {
    const next = random(9);
    const terms = 40;
    const vector = () => {
      const idx = Int32Array.from(new Set(Array.from({ length: 8 }, () => Math.floor(next() * terms)))).sort();
      // Weights on a coarse grid, so that equal cosines (ties at the cut) happen.
      const val = Float64Array.from(idx, () => 1 + Math.floor(next() * 2));
      return { idx, val };
    };
    const papers = Array.from({ length: 120 }, (_, i) => ({ id: `p${i}`, vector: vector(), trend: 0 }));
    const ix = buildPoolIndex(papers, terms);
    const dot = (a: { idx: Int32Array; val: Float64Array }, b: { idx: Int32Array; val: Float64Array }) => {
      let s = 0;
      for (let i = 0; i < a.idx.length; i++) {
        const j = b.idx.indexOf(a.idx[i]!);
        if (j >= 0) s += a.val[i]! * b.val[j]!;
      }
      return s;
    };
    for (let trial = 0; trial < 20; trial++) {
      const v = vector();
      const limit = 1 + Math.floor(next() * 60);
      // Reference: every pool paper with a shared term, by cosine descending then position; the first `limit`.
      const all = papers.map((p, d) => ({ d, c: dot(v, p.vector) })).filter((x) => x.c > 0);
      const want = all.sort((a, b) => b.c - a.c || a.d - b.d).slice(0, limit).sort((a, b) => a.d - b.d);
      const got = [...neighbours(ix, v, limit)];
      expect(got.map(nearPosition)).toEqual(want.map((x) => x.d));
      // Cosines in 1/65535ths: within half a step of the exact one, never 0 for a neighbour.
      got.forEach((w, i) => {
        expect(Math.abs(nearCosine(w) - Math.min(1, want[i]!.c))).toBeLessThanOrEqual(0.5 / COS_SCALE + 1e-12);
        expect(nearCosine(w)).toBeGreaterThan(0);
      });
    }
    // The scratch space is left zeroed: a paper sharing nothing with the pool has no neighbours.
    expect(neighbours(ix, { idx: Int32Array.of(), val: Float64Array.of() }).length).toBe(0);
    // A pool bigger than a neighbour word can address is refused, not silently wrapped.
    expect(() => buildPoolIndex(Array.from({ length: MAX_POOL + 1 }, (_, i) => ({ id: `q${i}`, vector: vector(), trend: 0 })), terms)).toThrow(RangeError);
  });
});
