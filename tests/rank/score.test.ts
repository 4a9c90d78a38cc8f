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
  halfLifeHours: fc.oneof(fc.double({ min: 1, max: 24 * 30, noNaN: true }), fc.constant(Number.POSITIVE_INFINITY)),
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
/** "More" beyond floating-point noise: scores of equal curves can differ in the last bits only. */
const more = (x: number, y: number) => x > y + 1e-9 * Math.max(1, Math.abs(y));

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

  it('depends on the cut-off, not on what was observed after it: later observations change nothing', () => {
    fc.assert(
      fc.property(candidate, history(fc.option(fc.nat({ max: 5000 }), { nil: null })), params, (c, later, p) => {
        const cutoff = NOW - 48 * HOUR;
        const before = { ...c, observations: c.observations.filter((o) => Date.parse(o.observedAt) <= cutoff) };
        fc.pre(before.observations.length > 0);
        // Observations made after the cut-off (up to 48 h later) are ignored, whatever they say.
        const withLater = {
          ...before,
          observations: [...before.observations, ...later.map((o) => ({ ...o, observedAt: at(cutoff + 1 + (NOW - Date.parse(o.observedAt)) / 20) }))].sort(
            (x, y) => Date.parse(x.observedAt) - Date.parse(y.observedAt),
          ),
        };
        expect(scorePaper(withLater, new Date(cutoff), p)).toEqual(scorePaper(before, new Date(cutoff), p));
      }),
      FC,
    );
  });

  it('growth that is equally old counts the same: with no half-life the score is the plain growth in the window', () => {
    // Counters only rise here (votes are rarely withdrawn), so growth over the window is the sum of its parts.
    const rising = fc
      .array(fc.record({ hoursAgo: fc.double({ min: 0, max: 24 * 40, noNaN: true }), up: fc.nat({ max: 50 }), com: fc.nat({ max: 5 }), stars: fc.nat({ max: 500 }) }), {
        minLength: 1,
        maxLength: 8,
      })
      .map((steps) => {
        let u = 0;
        let m = 0;
        let g = 0;
        return steps
          .sort((a, b) => b.hoursAgo - a.hoursAgo)
          .map((o): ObservationPoint => ({ observedAt: at(NOW - o.hoursAgo * HOUR), upvotes: (u += o.up), comments: (m += o.com), githubStars: (g += o.stars) }));
      });
    fc.assert(
      fc.property(rising, fc.double({ min: 0, max: 24 * 30, noNaN: true }), params, (observations, ageHours, p) => {
        const c: Candidate = { id: '2608.00001', appearedAt: at(NOW - ageHours * HOUR), firstSeenAt: at(NOW - ageHours * HOUR), observations };
        const s = scorePaper(c, new Date(NOW), { ...p, halfLifeHours: Number.POSITIVE_INFINITY }).parts;
        const plain = s.upvoteGrowth + p.commentWeight * s.commentGrowth + p.starWeight * s.starGrowth;
        expect(s.signal).toBeCloseTo(plain, 6);
        // With a half-life, older growth counts less, never more.
        expect(scorePaper(c, new Date(NOW), p).score).toBeLessThanOrEqual(plain + 1e-6 * Math.max(1, plain));
      }),
      FC,
    );
  });

  it('at the same observation times, a paper that gained at least as much in every interval never ranks lower', () => {
    const pair = fc.record({
      ageHours: fc.double({ min: 0, max: 24 * 30, noNaN: true }),
      steps: fc.array(fc.record({ hoursAgo: fc.double({ min: 0, max: 24 * 30, noNaN: true }), b: fc.nat({ max: 200 }), extra: fc.nat({ max: 200 }) }), {
        minLength: 1,
        maxLength: 8,
      }),
    });
    fc.assert(
      fc.property(pair, uniqueCandidates, params, ({ ageHours, steps }, others, p) => {
        const sorted = [...steps].sort((x, y) => y.hoursAgo - x.hoursAgo);
        let a = 0;
        let b = 0;
        const obsA: ObservationPoint[] = [];
        const obsB: ObservationPoint[] = [];
        for (const st of sorted) {
          b += st.b;
          a += st.b + st.extra;
          const observedAt = at(NOW - st.hoursAgo * HOUR);
          obsA.push({ observedAt, upvotes: a, comments: null, githubStars: null });
          obsB.push({ observedAt, upvotes: b, comments: null, githubStars: null });
        }
        const appearedAt = at(NOW - ageHours * HOUR);
        // The dominant paper gets the id that loses a tie on id alone: only its votes can lift it.
        const A: Candidate = { id: '9999.00001', appearedAt, firstSeenAt: appearedAt, observations: obsA };
        const B: Candidate = { id: '9999.00000', appearedAt, firstSeenAt: appearedAt, observations: obsB };
        const ranked = rankTrending([...others, A, B], new Date(NOW), p);
        const sa = ranked[rankOf(ranked, A.id)]!;
        const sb = ranked[rankOf(ranked, B.id)]!;
        expect(more(sb.score, sa.score)).toBe(false);
        if (more(sa.score, sb.score)) expect(rankOf(ranked, A.id)).toBeLessThan(rankOf(ranked, B.id));
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

  it('a paper six days old gaining +52 upvotes in 24 h ranks above every fresh paper with at most 10 votes (default config)', () => {
    const trend = loadConfig({}).trend;
    const climber = fc.record({
      before: fc.nat({ max: 60 }), // what it had a day before its latest reading
      earlier: fc.array(fc.record({ hoursAgo: fc.double({ min: 24, max: 24 * 6, noNaN: true }), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }), { maxLength: 5 }),
      // The latest reading is up to 17 h before the cut-off: a 07:00 run for a cut-off at the end of the day.
      lastHoursAgo: fc.double({ min: 0, max: 17, noNaN: true }),
    });
    const fresh = fc.record({
      ageHours: fc.double({ min: 0, max: 24, noNaN: true }),
      readings: fc.array(fc.record({ fraction: fc.double({ min: 0, max: 1, noNaN: true }), votes: fc.nat({ max: 10 }), comments: fc.nat({ max: 4 }) }), {
        minLength: 1,
        maxLength: 4,
      }),
    });
    fc.assert(
      fc.property(climber, fc.array(fresh, { minLength: 1, maxLength: 20 }), (c, freshOnes) => {
        const last = NOW - c.lastHoursAgo * HOUR;
        const observations: ObservationPoint[] = [
          ...c.earlier
            .filter((e) => e.hoursAgo * HOUR > NOW - last + 24 * HOUR)
            .sort((a, b) => b.hoursAgo - a.hoursAgo)
            .map((e, i, all) => ({ observedAt: at(NOW - e.hoursAgo * HOUR), upvotes: Math.floor((c.before * (i + 1)) / (all.length + 1)), comments: null, githubStars: null })),
          { observedAt: at(last - 24 * HOUR), upvotes: c.before, comments: null, githubStars: null },
          { observedAt: at(last), upvotes: c.before + 52, comments: null, githubStars: null },
        ];
        const old: Candidate = { id: '2608.00001', appearedAt: at(NOW - 6 * 24 * HOUR), firstSeenAt: at(NOW - 6 * 24 * HOUR), observations };
        const papers = freshOnes.map((f, i): Candidate => {
          const appeared = NOW - f.ageHours * HOUR;
          let votes = 0;
          const readings = f.readings
            .map((r) => ({ t: appeared + r.fraction * (NOW - appeared), votes: r.votes, comments: r.comments }))
            .sort((a, b) => a.t - b.t)
            .map((r) => ({ observedAt: at(r.t), upvotes: (votes = Math.max(votes, r.votes)), comments: r.comments, githubStars: null }));
          return { id: `2608.${String(10 + i).padStart(5, '0')}`, appearedAt: at(appeared), firstSeenAt: at(appeared), observations: readings };
        });
        const ranked = rankTrending([...papers, old], new Date(NOW), trend);
        expect(ranked[0]!.id).toBe(old.id);
      }),
      FC,
    );
  });

  it('a paper that stopped climbing does not stay on top: no growth in the window scores nothing', () => {
    const stalled = fc.record({
      p: params,
      // Readings between its appearance and the window start; then the same counters again now.
      readings: fc.array(fc.record({ fraction: fc.double({ min: 0, max: 1, noNaN: true }), upvotes: fc.nat({ max: 5000 }), comments: fc.nat({ max: 50 }), githubStars: fc.option(fc.nat({ max: 5000 }), { nil: null }) }), {
        minLength: 1,
        maxLength: 6,
      }),
      extraAgeHours: fc.double({ min: 0.01, max: 24 * 20, noNaN: true }),
    });
    fc.assert(
      fc.property(stalled, uniqueCandidates, ({ p, readings, extraAgeHours }, others) => {
        const since = NOW - p.windowHours * HOUR;
        const appeared = since - extraAgeHours * HOUR;
        const observations: ObservationPoint[] = readings
          .map((r) => ({ ...r, t: appeared + r.fraction * (since - appeared) }))
          .sort((x, y) => x.t - y.t)
          .map((r) => ({ observedAt: at(r.t), upvotes: r.upvotes, comments: r.comments, githubStars: r.githubStars }));
        observations.push({ ...observations[observations.length - 1]!, observedAt: at(NOW) });
        const c: Candidate = { id: '9999.00000', appearedAt: at(appeared), firstSeenAt: at(appeared), observations };
        const s = scorePaper(c, new Date(NOW), p);
        expect(s.score).toBe(0);
        expect(s.parts.upvoteGrowth).toBe(0);
        // So any paper gaining inside the window ranks above it.
        const ranked = rankTrending([...others, c], new Date(NOW), p);
        for (const o of ranked.slice(rankOf(ranked, c.id) + 1)) expect(o.score).toBe(0);
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
    // Weighted by recency (half-life 24 h): each day's 20 votes count 20·(1 − ½)/ln 2 · ½^(days ago).
    expect(ranked[0]!.score).toBeCloseTo((20 * 0.5 * (1 + 0.5 + 0.25)) / Math.LN2, 9);
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

  it('a paper first read after the cut-off takes that reading as its counters at publication, marked as an estimate', () => {
    // Appeared at midnight; the edition is published at 07:00; the source was first read two days later (92 votes).
    const cutoff = Date.parse('2026-08-20T23:59:59.999Z');
    const c: Candidate = {
      id: '2608.00060',
      appearedAt: '2026-08-20T00:00:00.000Z',
      firstSeenAt: '2026-08-22T07:00:00.000Z',
      observations: [],
      late: { observedAt: '2026-08-22T07:00:00.000Z', upvotes: 92, comments: 4, githubStars: 15 },
    };
    const late = scorePaper(c, { asOf: new Date(cutoff), publication: new Date('2026-08-20T07:00:00.000Z') }, trend);
    expect(late.parts).toMatchObject({ upvotes: 92, late: true, estimated: true });
    expect(late.reason).toBe('~92 upvotes in 7 h');
    // Read on time at 07:00 the same 92 votes score exactly the same; only the "~" tells them apart.
    const onTime = scorePaper({ ...c, late: undefined, observations: [{ ...c.late!, observedAt: '2026-08-20T07:00:00.000Z' }] }, new Date(cutoff), trend);
    expect(onTime.score).toBeCloseTo(late.score, 9);
    expect(onTime.reason).toBe('+92 upvotes in 7 h');
    expect(onTime.parts.late).toBe(false);
  });

  it('measures a reason between readings, not to the ranking time: the same at 07:00 and at the end of the day', () => {
    const c = paper('2608.00070', 60, [[24, 10], [0, 52]]);
    expect(scorePaper(c, new Date(NOW), trend).reason).toBe('+42 upvotes in 24 h');
    expect(scorePaper(c, new Date(NOW + 17 * HOUR), trend).reason).toBe('+42 upvotes in 24 h');
    // A latest reading older than the window is no news.
    expect(scorePaper(c, new Date(NOW + 10 * 24 * HOUR), trend).reason).toBe('52 upvotes');
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
