// Trending score: properties over generated histories (fast-check, fixed seed) and the worked cases the issue names.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareScored, formatSpan, rankTrending, scorePaper } from '../../src/rank/score.js';
import type { Candidate, ObservationPoint, TrendParams } from '../../src/rank/types.js';
import { loadConfig } from '../../src/config.js';

const NOW = Date.parse('2026-08-21T07:00:00.000Z');
const HOUR = 3_600_000;
const at = (ms: number) => new Date(ms).toISOString();
const FC = { seed: 20260821, numRuns: 300 };

const params: fc.Arbitrary<TrendParams> = fc.record({
  windowHours: fc.integer({ min: 1, max: 24 * 14 }),
  gravity: fc.double({ min: 0, max: 3, noNaN: true }),
  commentWeight: fc.double({ min: 0, max: 5, noNaN: true }),
  starWeight: fc.double({ min: 0, max: 1, noNaN: true }),
});

/** Observation times (hours before NOW, any order) with counters; sorted ascending into points. */
const history = (counter: fc.Arbitrary<number | null>) =>
  fc
    .array(fc.record({ hoursAgo: fc.double({ min: 0, max: 24 * 40, noNaN: true }), upvotes: counter, comments: counter, githubStars: counter }), {
      maxLength: 8,
    })
    .map((obs) =>
      obs
        .sort((a, b) => b.hoursAgo - a.hoursAgo)
        .map((o): ObservationPoint => ({ observedAt: at(NOW - o.hoursAgo * HOUR), upvotes: o.upvotes, comments: o.comments, githubStars: o.githubStars })),
    );

const candidate = fc.record({
  id: fc.integer({ min: 0, max: 99_999 }).map((n) => `2608.${String(n).padStart(5, '0')}`),
  ageHours: fc.double({ min: 0, max: 24 * 30, noNaN: true }),
  observations: history(fc.option(fc.nat({ max: 5000 }), { nil: null })),
}).map(({ id, ageHours, observations }): Candidate => ({ id, appearedAt: at(NOW - ageHours * HOUR), firstSeenAt: at(NOW - ageHours * HOUR), observations }));

const uniqueCandidates = fc.uniqueArray(candidate, { selector: (c) => c.id, maxLength: 25 });

const rankOf = (ranked: { id: string }[], id: string) => ranked.findIndex((p) => p.id === id);

describe('trending score properties', () => {
  it('is deterministic: the same candidates in any order give the same ranking, scores finite and ≥ 0', () => {
    fc.assert(
      fc.property(
        uniqueCandidates.chain((cs) => fc.tuple(fc.constant(cs), fc.shuffledSubarray(cs, { minLength: cs.length, maxLength: cs.length }))),
        params,
        ([cs, shuffled], p) => {
          const a = rankTrending(cs, new Date(NOW), p);
          const b = rankTrending(shuffled, new Date(NOW), p);
          expect(b).toEqual(a);
          expect(rankTrending(cs, new Date(NOW), p)).toEqual(a);
          for (const s of a) expect(Number.isFinite(s.score) && s.score >= 0).toBe(true);
        },
      ),
      FC,
    );
  });

  it('at equal age, more upvote growth never ranks lower', () => {
    const pair = fc.record({
      ageHours: fc.double({ min: 0, max: 24 * 30, noNaN: true }),
      // Comments and stars are the same for both papers, so upvote growth is the only difference.
      shared: history(fc.option(fc.nat({ max: 300 }), { nil: null })),
      upA: history(fc.nat({ max: 5000 })),
      upB: history(fc.nat({ max: 5000 })),
    });
    fc.assert(
      fc.property(pair, uniqueCandidates, params, ({ ageHours, shared, upA, upB }, others, p) => {
        const appearedAt = at(NOW - ageHours * HOUR);
        const make = (id: string, up: ObservationPoint[]): Candidate => ({
          id,
          appearedAt,
          firstSeenAt: appearedAt,
          observations: [...shared.map((o) => ({ ...o, upvotes: null })), ...up.map((o) => ({ ...o, comments: null, githubStars: null }))].sort(
            (x, y) => Date.parse(x.observedAt) - Date.parse(y.observedAt),
          ),
        });
        // Ids outside the generated range, so the tie-break by id cannot favour either on its own.
        const a = make('9999.00001', upA);
        const b = make('9999.00000', upB);
        const ranked = rankTrending([...others, a, b], new Date(NOW), p);
        const sa = ranked[rankOf(ranked, a.id)]!;
        const sb = ranked[rankOf(ranked, b.id)]!;
        expect(sa.parts.commentGrowth).toBe(sb.parts.commentGrowth);
        expect(sa.parts.starGrowth).toBe(sb.parts.starGrowth);
        // "More" beyond floating-point noise: interpolated growths can differ in the last bits only.
        const more = (x: number, y: number) => x > y + 1e-9 * Math.max(1, y);
        if (more(sa.parts.upvoteGrowth, sb.parts.upvoteGrowth)) expect(rankOf(ranked, a.id)).toBeLessThan(rankOf(ranked, b.id));
        if (more(sb.parts.upvoteGrowth, sa.parts.upvoteGrowth)) expect(rankOf(ranked, b.id)).toBeLessThan(rankOf(ranked, a.id));
      }),
      FC,
    );
  });

  it('at equal growth, an older paper never ranks higher', () => {
    const setup = fc.record({
      p: params,
      // One observation at or before the window start, so growth does not depend on when the paper appeared.
      baseHoursBeforeWindow: fc.double({ min: 0, max: 24 * 10, noNaN: true }),
      later: history(fc.option(fc.nat({ max: 5000 }), { nil: null })),
      base: fc.record({ upvotes: fc.nat({ max: 5000 }), comments: fc.nat({ max: 50 }), githubStars: fc.nat({ max: 5000 }) }),
      // Whole minutes, so that two different ages are two different appearance times.
      ageA: fc.integer({ min: 0, max: 60 * 24 * 30 }).map((m) => m / 60),
      ageB: fc.integer({ min: 0, max: 60 * 24 * 30 }).map((m) => m / 60),
    });
    fc.assert(
      fc.property(setup, uniqueCandidates, ({ p, baseHoursBeforeWindow, later, base, ageA, ageB }, others) => {
        const since = NOW - p.windowHours * HOUR;
        const observations = [
          { observedAt: at(since - baseHoursBeforeWindow * HOUR), ...base },
          ...later.filter((o) => Date.parse(o.observedAt) > since),
        ];
        const make = (id: string, ageHours: number): Candidate => ({
          id,
          appearedAt: at(NOW - ageHours * HOUR),
          firstSeenAt: at(NOW - ageHours * HOUR),
          observations,
        });
        const [olderAge, newerAge] = ageA >= ageB ? [ageA, ageB] : [ageB, ageA];
        fc.pre(olderAge > newerAge);
        // The older one gets the id that would win a tie on id alone: age must decide.
        const older = make('9999.00000', olderAge);
        const newer = make('9999.00001', newerAge);
        const ranked = rankTrending([...others, newer, older], new Date(NOW), p);
        const so = ranked[rankOf(ranked, older.id)]!;
        const sn = ranked[rankOf(ranked, newer.id)]!;
        expect(so.parts.upvoteGrowth).toBe(sn.parts.upvoteGrowth);
        expect(so.parts.signal).toBe(sn.parts.signal);
        expect(rankOf(ranked, older.id)).toBeGreaterThan(rankOf(ranked, newer.id));
      }),
      FC,
    );
  });
});

describe('trending score, worked cases (default TREND_* config)', () => {
  const trend = loadConfig({}).trend;
  const paper = (id: string, appearedHoursAgo: number, obs: [hoursAgo: number, upvotes: number, stars?: number][]): Candidate => ({
    id,
    appearedAt: at(NOW - appearedHoursAgo * HOUR),
    firstSeenAt: at(NOW - appearedHoursAgo * HOUR),
    observations: obs.map(([h, u, s]) => ({ observedAt: at(NOW - h * HOUR), upvotes: u, comments: null, githubStars: s ?? null })),
  });

  it('a paper still climbing five days after it appeared beats today\'s paper with a few early votes', () => {
    // Observed daily: it keeps gaining about 20 votes a day on days 3–5.
    const climbing = paper('2608.00001', 5 * 24, [[96, 30], [72, 40], [48, 60], [24, 80], [0, 100]]);
    const today = paper('2608.00002', 7, [[0, 5]]);
    const ranked = rankTrending([today, climbing], new Date(NOW), trend);
    expect(ranked.map((p) => p.id)).toEqual([climbing.id, today.id]);
    expect(ranked[0]!.parts.upvoteGrowth).toBe(60); // the last TREND_WINDOW_HOURS (72 h) only
    expect(ranked[0]!.reason).toBe('+20 upvotes in 24 h');
    // …whereas a five-day-old paper that stopped climbing does not.
    const stalled = paper('2608.00003', 5 * 24, [[96, 95], [72, 100], [0, 100]]);
    expect(rankTrending([today, stalled], new Date(NOW), trend).map((p) => p.id)).toEqual([today.id, stalled.id]);
  });

  it('growth counts, not totals: fewer votes gained fast beat many votes gained long ago', () => {
    const famous = paper('2608.00010', 4 * 24, [[72, 300], [0, 305]]);
    const rising = paper('2608.00011', 4 * 24, [[72, 20], [0, 120]]);
    expect(rankTrending([famous, rising], new Date(NOW), trend)[0]!.id).toBe(rising.id);
  });

  it('GitHub stars count only as growth we measured: an old famous repository brings none of its lifetime stars', () => {
    const linked = paper('2608.00020', 10, [[0, 3, 150_000]]);
    const s = scorePaper(linked, new Date(NOW), trend);
    expect(s.parts.starGrowth).toBe(0);
    const grown = scorePaper(paper('2608.00021', 48, [[30, 3, 100], [0, 3, 500]]), new Date(NOW), trend);
    expect(grown.parts.starGrowth).toBe(400);
    expect(grown.reason).toBe('+400 GitHub stars in 30 h');
  });

  it('ignores observations after `now` and papers that have not appeared yet count from zero', () => {
    const s = scorePaper(paper('2608.00030', 30, [[20, 10], [-5, 999]]), new Date(NOW), trend);
    expect(s.parts.upvotes).toBe(10);
    expect(s.parts.upvoteGrowth).toBe(10);
  });

  it('interpolates the window start when the first observation came long after the paper appeared', () => {
    // 100 votes over 10 days, first seen now: about 30 of them fall in the last 72 h, marked as estimated.
    const s = scorePaper(paper('2608.00040', 240, [[0, 100]]), new Date(NOW), trend);
    expect(s.parts.upvoteGrowth).toBeCloseTo(30, 9);
    expect(s.parts.estimated).toBe(true);
    expect(s.reason).toBe('+100 upvotes in 10 days');
  });

  it('reasons read naturally', () => {
    const score = (c: Candidate) => scorePaper(c, new Date(NOW), trend).reason;
    expect(score(paper('2608.00050', 60, [[24, 10], [0, 52]]))).toBe('+42 upvotes in 24 h');
    expect(score(paper('2608.00051', 60, [[24, 10], [0, 11]]))).toBe('+1 upvote in 24 h');
    expect(score(paper('2608.00052', 5, [[0, 0]]))).toBe('new today');
    expect(score(paper('2608.00053', 72, [[30, 7], [0, 7]]))).toBe('7 upvotes');
    expect(formatSpan(0.2)).toBe('1 h');
    expect(formatSpan(35.4)).toBe('35 h');
    expect(formatSpan(80)).toBe('3 days');
  });

  it('breaks ties by date (newer first), then id', () => {
    const s = (id: string, appearedAt: string) => ({ ...scorePaper(paper(id, 1, []), new Date(NOW), trend), appearedAt, score: 1 });
    const list = [s('b', '2026-08-20T00:00:00.000Z'), s('a', '2026-08-20T00:00:00.000Z'), s('c', '2026-08-21T00:00:00.000Z')];
    expect(list.sort(compareScored).map((p) => p.id)).toEqual(['c', 'a', 'b']);
  });
});
