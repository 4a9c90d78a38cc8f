// Topic parsing and blending (pure), and FTS5 matching on a real SQLite file: user text never becomes FTS syntax.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { blendTopic, ftsPhrase, parseTopic } from '../../src/rank/topics.js';
import { createCandidatesRepo } from '../../src/db/candidates-repo.js';
import type { ScoredPaper } from '../../src/rank/types.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import type { PaperEntry } from '../../src/ingest/types.js';

const FC = { seed: 7, numRuns: 200 };

function scored(id: string, score: number): ScoredPaper {
  return {
    id,
    score,
    appearedAt: '2026-08-20T00:00:00.000Z',
    reason: '',
    parts: { upvotes: 0, upvoteGrowth: 0, commentGrowth: 0, starGrowth: 0, signal: 0, ageHours: 0, estimated: false, late: false, fact: null },
  };
}

describe('parseTopic', () => {
  it('reads arXiv categories in any case, and phrases as their words', () => {
    expect(parseTopic('cs.CL')).toEqual({ kind: 'category', key: 'category:cs.CL', category: 'cs.CL' });
    expect(parseTopic(' cs.cl ')).toMatchObject({ category: 'cs.CL' });
    expect(parseTopic('cond-mat.Mtrl-Sci')).toMatchObject({ category: 'cond-mat.mtrl-sci' });
    expect(parseTopic('hep-th')).toMatchObject({ kind: 'category', category: 'hep-th' });
    expect(parseTopic('Long-Context')).toEqual({ kind: 'phrase', key: 'phrase:"long context"', phrase: '"long context"' });
    expect(parseTopic('vision-language-action')).toMatchObject({ phrase: '"vision language action"' });
    expect(parseTopic('node.js')).toMatchObject({ kind: 'phrase', phrase: '"node js"' });
    expect(parseTopic('  --  ')).toBeNull();
  });

  it('topics that differ only in case or punctuation share one query key', () => {
    expect(parseTopic('Long Context')!.key).toBe(parseTopic('long-context')!.key);
  });

  it('any text becomes a quoted phrase of letters and digits only (no FTS operator survives)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        const q = ftsPhrase(text);
        if (q === null) return;
        expect(q).toMatch(/^"[\p{L}\p{N}]+( [\p{L}\p{N}]+)*"$/u);
      }),
      FC,
    );
  });
});

describe('blendTopic', () => {
  it('keeps only candidates, favours relevance at most twofold, and orders deterministically', () => {
    const hits = fc.uniqueArray(fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'x'), relevance: fc.double({ min: 0, max: 50, noNaN: true }) }), {
      selector: (h) => h.id,
    });
    const trendScores = fc.record({ a: fc.nat(100), b: fc.nat(100), c: fc.nat(100), d: fc.nat(100), e: fc.nat(100) });
    fc.assert(
      fc.property(hits, trendScores, (hs, ts) => {
        const byId = new Map(Object.entries(ts).map(([id, s]) => [id, scored(id, s)]));
        const m = blendTopic('t', hs, byId);
        expect(m.papers.map((p) => p.paper.id)).not.toContain('x');
        expect(blendTopic('t', [...hs].reverse(), byId)).toEqual(m);
        for (const p of m.papers) {
          expect(p.relevance).toBeGreaterThanOrEqual(0);
          expect(p.relevance).toBeLessThanOrEqual(1);
          expect(p.score).toBeGreaterThanOrEqual(p.paper.score);
          expect(p.score).toBeLessThanOrEqual(2 * (p.paper.score + 1e-6));
        }
        for (let i = 1; i < m.papers.length; i++) expect(m.papers[i - 1]!.score).toBeGreaterThanOrEqual(m.papers[i]!.score);
      }),
      FC,
    );
  });

  it('orders papers nobody voted on yet by relevance', () => {
    const byId = new Map(['a', 'b'].map((id) => [id, scored(id, 0)]));
    expect(blendTopic('t', [{ id: 'a', relevance: 1 }, { id: 'b', relevance: 3 }], byId).papers.map((p) => p.paper.id)).toEqual(['b', 'a']);
  });
});

describe('topic matching with FTS5 (real SQLite)', () => {
  let app: TestApp;
  const entry = (id: string, title: string, abstract: string, keywords: string[], categories: string[] = []): PaperEntry => ({
    id,
    title,
    abstract,
    authors: [],
    aiKeywords: keywords,
    categories,
    dailyDate: '2026-08-20',
  });
  const window = ['2026-08-01T00:00:00.000Z', '2026-08-21T07:00:00.000Z'] as const;
  const match = (topic: string) => {
    const q = parseTopic(topic);
    return q ? createCandidatesRepo(app.db).matchTopic(q, ...window).map((h) => h.id).sort() : [];
  };

  beforeAll(() => {
    app = createTestApp();
    app.papers.upsertBatch(
      'file',
      [
        entry('2608.00001', 'Long-Context Retrieval at Scale', 'We extend context windows.', ['retrieval']),
        entry('2608.00002', 'Agents', 'A long context is not enough for agents.', ['agents'], ['cs.CL']),
        entry('2608.00003', 'Diffusion Policies', 'Robots.', ['vision-language-action models', 'diffusion']),
        entry('2608.00004', 'Context is long', 'Words in the wrong order.', [], ['cs.LG']),
      ],
      '2026-08-20T08:00:00.000Z',
    );
    // Outside the window: matches the text but is not a candidate.
    app.papers.upsertBatch('file', [{ ...entry('2601.00009', 'Long context, long ago', '', []), dailyDate: '2026-01-05' }], '2026-01-05T08:00:00.000Z');
  });
  afterAll(() => app.cleanup());

  it('matches a phrase in title, abstract or AI keywords (stemmed), not its words in another order, and only in the window', () => {
    expect(match('long context')).toEqual(['2608.00001', '2608.00002']);
    expect(match('Vision-Language-Action')).toEqual(['2608.00003']);
    expect(match('diffusions')).toEqual(['2608.00003']);
  });

  it('ranks a title match above a passing mention (bm25 weights title and keywords over the abstract)', () => {
    const q = parseTopic('long context')!;
    const hits = createCandidatesRepo(app.db).matchTopic(q, ...window);
    const rel = new Map(hits.map((h) => [h.id, h.relevance]));
    expect(rel.get('2608.00001')!).toBeGreaterThan(rel.get('2608.00002')!);
  });

  it('matches arXiv categories exactly', () => {
    expect(match('cs.cl')).toEqual(['2608.00002']);
    expect(match('cs.LG')).toEqual(['2608.00004']);
  });

  it('treats FTS5 syntax in a topic as plain words', () => {
    expect(match('long OR agents')).toEqual([]);
    expect(match('"long" NEAR(context)')).toEqual([]);
    expect(match('long* context')).toEqual(['2608.00001', '2608.00002']);
  });
});
