// The numbers `npm run eval:personal` prints, asserted loosely so that a regression of the profile ranking fails:
// real arXiv papers (tests/fixtures/arxiv/rss-2026-05), profiles of 10 papers per primary category.
import { describe, expect, it } from 'vitest';
import { runPersonalEval } from '../../scripts/eval-personal.js';

describe('eval:personal', () => {
  const r = runPersonalEval();

  it('ranks a real day of arXiv by a 10-paper profile with precision@10 ≥ 0.7 on average, ≥ 2× trending, far above random', () => {
    expect(r.candidates).toBeGreaterThan(500);
    expect(r.mean.ours).toBeGreaterThanOrEqual(0.7);
    expect(r.mean.ours).toBeGreaterThanOrEqual(2 * r.mean.trending);
    expect(r.mean.ours).toBeGreaterThanOrEqual(2.5 * r.mean.random);
    // Text alone (no categories) still beats both baselines by far.
    expect(r.mean.textOnly).toBeGreaterThanOrEqual(2 * r.mean.random);
    for (const c of r.categories) {
      expect(c.ours, c.category).toBeGreaterThan(c.random + 0.2);
      expect(c.ours, c.category).toBeGreaterThanOrEqual(0.4);
    }
  });

  it('drops the neighbouring category when 3 of its papers are marked "less like this", without losing precision', () => {
    expect(r.mean.neighbourAfter).toBeLessThan(r.mean.neighbourBefore);
    expect(r.mean.oursWithNegatives).toBeGreaterThanOrEqual(r.mean.ours - 0.05);
  });
});
