// Personal selection: properties over generated rankings, topics and sent ledgers (fast-check, fixed seed).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStillTrending, selectForSubscriber, type Section } from '../../src/rank/select.js';
import type { ScoredPaper, TopicMatches } from '../../src/rank/types.js';

const FC = { seed: 4, numRuns: 250 };

function scored(id: string, score: number, gainingSince?: 'observation' | 'appearance'): ScoredPaper {
  const fact = gainingSince ? { counter: 'upvotes' as const, gain: 5, sinceHours: 24, since: gainingSince, estimated: false } : null;
  return {
    id,
    score,
    appearedAt: '2026-08-20T00:00:00.000Z',
    reason: `reason of ${id}`,
    parts: { upvotes: 0, upvoteGrowth: 0, commentGrowth: 0, starGrowth: 0, signal: 0, ageHours: 0, estimated: false, late: false, fact },
  };
}

/** A trending list over `n` papers and topics whose matches are subsets of it, in their own order. */
const gaining = fc.constantFrom(undefined, 'observation' as const, 'appearance' as const);
const world = fc.array(gaining, { maxLength: 40 }).chain((facts) => {
  const n = facts.length;
  const ids = Array.from({ length: n }, (_, i) => `p${String(i).padStart(3, '0')}`);
  const trending = ids.map((id, i) => scored(id, n - i, facts[i]));
  const topic = fc
    .tuple(fc.constantFrom('long context', 'diffusion', 'cs.CL', 'agents', 'robotics'), fc.shuffledSubarray(trending))
    .map(([name, papers]): TopicMatches => ({ topic: name, papers: papers.map((paper) => ({ paper, relevance: 1, score: paper.score })) }));
  return fc.record({
    trending: fc.constant(trending),
    topics: fc.array(topic, { maxLength: 4 }),
    alreadySent: fc.subarray(ids).map((a) => new Set(a)),
    size: fc.integer({ min: 1, max: 12 }),
    topicSectionSize: fc.integer({ min: 1, max: 5 }),
  });
});

const idsOf = (sections: Section[]) => sections.flatMap((s) => s.papers.map((p) => p.id));

describe('selectForSubscriber', () => {
  it('never repeats a paper within a digest and never selects one already sent', () => {
    fc.assert(
      fc.property(world, (w) => {
        const sections = selectForSubscriber(w.trending, w.topics, w);
        const ids = idsOf(sections);
        // Problems are collected and asserted once per run: thousands of expect() calls would dominate the time.
        const problems: string[] = [];
        if (new Set(ids).size !== ids.length) problems.push('a paper repeats');
        if (ids.some((id) => w.alreadySent.has(id))) problems.push('a sent paper is selected');
        // Top trending is exactly the best `size` papers not sent yet, in trending order.
        const expectedTop = w.trending.filter((p) => !w.alreadySent.has(p.id)).slice(0, w.size).map((p) => p.id);
        const top = sections.find((s) => s.kind === 'trending')?.papers.map((p) => p.id) ?? [];
        if (top.join() !== expectedTop.join()) problems.push(`top ${top.join()} ≠ ${expectedTop.join()}`);
        for (const s of sections) {
          if (!s.papers.length) problems.push(`empty section ${s.title}`);
          if (s.kind !== 'topic') continue;
          if (s.papers.length > w.topicSectionSize) problems.push(`${s.title} too long`);
          if (s.title !== `For you: ${s.topic}`) problems.push(`title ${s.title}`);
          if (!s.papers.every((p) => p.reason.startsWith(`matches: ${s.topic}`))) problems.push(`reason in ${s.title}`);
        }
        expect(problems).toEqual([]);
      }),
      FC,
    );
  });

  it('never sends a paper twice across a subscriber\'s editions', () => {
    // Day after day the ranking reshuffles over a growing pool; the ledger is what the subscriber got before.
    const days = fc.array(
      fc.record({ order: fc.array(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 40 }), topicPick: fc.array(fc.integer({ min: 0, max: 59 }), { maxLength: 12 }) }),
      { minLength: 2, maxLength: 8 },
    );
    fc.assert(
      fc.property(days, fc.integer({ min: 1, max: 10 }), (editions, size) => {
        const sent = new Set<string>();
        for (const day of editions) {
          const unique = [...new Set(day.order)];
          const trending = unique.map((i, rank) => scored(`p${i}`, 100 - rank));
          const byId = new Map(trending.map((p) => [p.id, p]));
          const topic: TopicMatches = {
            topic: 'long context',
            papers: [...new Set(day.topicPick)].flatMap((i) => (byId.has(`p${i}`) ? [{ paper: byId.get(`p${i}`)!, relevance: 1, score: 1 }] : [])),
          };
          const ids = idsOf(selectForSubscriber(trending, [topic], { size, topicSectionSize: 3, alreadySent: sent }));
          expect(ids.filter((id) => sent.has(id))).toEqual([]);
          for (const id of ids) sent.add(id);
        }
      }),
      FC,
    );
  });

  it('RESEND_STILL_TRENDING brings a sent paper back only in Top trending, only while in the global top and still gaining', () => {
    fc.assert(
      fc.property(world, (w) => {
        const sections = selectForSubscriber(w.trending, w.topics, { ...w, resendStillTrending: true });
        const ids = idsOf(sections);
        const problems: string[] = [];
        if (new Set(ids).size !== ids.length) problems.push('a paper repeats');
        for (const s of sections)
          for (const p of s.papers) {
            if (!w.alreadySent.has(p.id)) continue;
            if (s.kind !== 'trending') problems.push(`${p.id} resent in ${s.title}`);
            if (!p.reason.startsWith('still trending: ')) problems.push(`${p.id} reason ${p.reason}`);
          }
        // A sent paper is back exactly when it is in the global top and still gaining.
        const globalTop = w.trending.slice(0, w.size);
        const top = sections.find((s) => s.kind === 'trending')?.papers.map((p) => p.id) ?? [];
        for (const p of w.trending) {
          const shouldShow = w.alreadySent.has(p.id) ? globalTop.includes(p) && isStillTrending(p) : globalTop.includes(p);
          if (shouldShow !== top.includes(p.id) && (w.alreadySent.has(p.id) || shouldShow)) problems.push(`${p.id} shown=${top.includes(p.id)}`);
        }
        expect(problems).toEqual([]);
      }),
      FC,
    );
  });

  it('fills a topic section with matches not already in Top trending, in the topic\'s order', () => {
    const trending = ['a', 'b', 'c', 'd', 'e'].map((id, i) => scored(id, 10 - i));
    const [a, , c, d, e] = trending as [ScoredPaper, ScoredPaper, ScoredPaper, ScoredPaper, ScoredPaper];
    const topic: TopicMatches = { topic: 'diffusion', papers: [e, a, d, c].map((paper) => ({ paper, relevance: 1, score: 1 })) };
    const sections = selectForSubscriber(trending, [topic], { size: 2, topicSectionSize: 2, alreadySent: new Set(['d']) });
    expect(sections.map((s) => [s.title, s.papers.map((p) => p.id)])).toEqual([
      ['Top trending', ['a', 'b']],
      ['For you: diffusion', ['e', 'c']],
    ]);
    expect(sections[0]!.papers[0]!.reason).toBe('reason of a');
    expect(sections[1]!.papers[0]!.reason).toBe('matches: diffusion');
  });

  it('returns no section at all when everything was sent (the caller then skips the email)', () => {
    const trending = ['a', 'b'].map((id, i) => scored(id, 2 - i));
    expect(selectForSubscriber(trending, [], { size: 10, topicSectionSize: 3, alreadySent: new Set(['a', 'b']) })).toEqual([]);
  });
});
