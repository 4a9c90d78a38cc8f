// The pure view model: author lines, trimming, counts and the https-only link rule.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { authorsLine, cardView, compactCount, editionView, plural, preheaderFor, safeUrl, trimText } from '../../src/digest/view.js';
import type { PaperSnapshot } from '../../src/digest/snapshot.js';
import { parseSnapshot } from '../../src/digest/snapshot.js';

const base: PaperSnapshot = {
  id: '2608.12345',
  title: '  A   title\nover lines ',
  authors: ['Ada', 'Grace', 'Edsger', 'Barbara'],
  summary: null,
  abstract: 'An abstract.',
  hfUrl: null,
  arxivUrl: null,
  pdfUrl: null,
  githubUrl: 'https://github.com/a/b',
  projectUrl: null,
  thumbnailUrl: null,
  organization: null,
  upvotes: 1,
  comments: 2,
  githubStars: 1234,
  keywords: [],
  categories: [],
};

describe('view model', () => {
  it('names the first three authors, then et al.', () => {
    expect(authorsLine(['A', 'B', 'C'])).toBe('A, B, C');
    expect(authorsLine(['A', 'B', 'C', 'D'])).toBe('A, B, C et al.');
    expect(authorsLine([])).toBe('Unknown authors');
  });

  it('trims at a word boundary, never beyond the limit, keeping a prefix of the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), fc.integer({ min: 20, max: 300 }), (text, max) => {
        const out = trimText(text, max);
        const clean = text.replace(/\s+/g, ' ').trim();
        expect(out.length).toBeLessThanOrEqual(max + 1);
        if (clean.length <= max) expect(out).toBe(clean);
        else expect(clean.startsWith(out.slice(0, -1))).toBe(true);
      }),
    );
  });

  it('shows compact counts with the right plural', () => {
    expect([compactCount(999), compactCount(1000), compactCount(1250), compactCount(12_345)]).toEqual(['999', '1k', '1.3k', '12k']);
    expect(plural(1, 'comment')).toBe('1 comment');
    expect(plural(0, 'comment')).toBe('0 comments');
  });

  it('keeps only absolute https links, upgrading plain http', () => {
    expect(safeUrl('https://github.com/a/b')).toBe('https://github.com/a/b');
    expect(safeUrl('http://example.org/x?y=1')).toBe('https://example.org/x?y=1');
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', '/relative', 'ftp://x.org/', 'https://user:pw@x.org/', '', null]) expect(safeUrl(bad)).toBeNull();
  });

  it('falls back to arXiv for the title link and PDF, uses the abstract when there is no AI summary', () => {
    const c = cardView(base);
    expect(c.title).toBe('A title over lines');
    expect(c.url).toBe('https://arxiv.org/abs/2608.12345');
    expect(c.pdfUrl).toBe('https://arxiv.org/pdf/2608.12345');
    expect(c.summary).toBe('An abstract.');
    expect(c.githubStarsLabel).toBe('★ 1.2k');
    expect(c.statsLine).toBe('▲ 1 upvote · 2 comments');
    expect(cardView({ ...base, hfUrl: 'https://huggingface.co/papers/2608.12345', summary: 'AI line.' })).toMatchObject({
      url: 'https://huggingface.co/papers/2608.12345',
      summary: 'AI line.',
    });
  });

  it('builds the preheader from the first paper', () => {
    const card = cardView(base);
    expect(preheaderFor([{ kind: 'trending', title: 'T', items: [{ card, reason: 'r' }] }])).toBe('A title over lines');
    expect(preheaderFor([{ kind: 'trending', title: 'T', items: [{ card, reason: 'r' }, { card, reason: 'r' }] }])).toMatch(/and 1 more papers/);
  });

  it('reads stored snapshots back with validation', () => {
    expect(parseSnapshot(JSON.stringify(base))).toEqual(base);
    expect(() => parseSnapshot(JSON.stringify({ ...base, authors: 'nope' }))).toThrow(expect.objectContaining({ code: 'SNAPSHOT_INVALID' }));
    expect(() => parseSnapshot('{not json')).toThrow(expect.objectContaining({ code: 'SNAPSHOT_INVALID' }));
  });

  it('reads TeX in titles and summaries: plain for text, bold and italic for HTML', () => {
    const c = cardView({
      ...base,
      title: 'C$^2$KV: \\textbf{GPT-Red} is 7$\\times$ faster',
      abstract: 'We show \\emph{why} $\\calE = \\calM \\times \\R^d$ works.',
    });
    expect(c.title).toBe('C²KV: GPT-Red is 7× faster');
    expect(c.titleHtml).toBe('C²KV: <strong>GPT-Red</strong> is 7× faster');
    expect(c.summary).toBe('We show why $\\calE = \\calM × \\Rᵈ$ works.');
    expect(c.summaryHtml).toBe('We show <em>why</em> $\\calE = \\calM × \\Rᵈ$ works.');
  });

  it('repairs author lists frozen by older versions: parentheses split apart, TeX accents left raw', () => {
    const c = cardView({ ...base, authors: ['Jacques Saraydaryan (CPE', ' CHROMA)', 'Jón Gu{\\dh}jónsson', '{\\TH}orsteinsson', '{\\DJ}oković'] });
    expect(c.authorsLine).toBe('Jacques Saraydaryan, Jón Guðjónsson, Þorsteinsson et al.');
  });

  it('plain-texts an edition subject stored with TeX', () => {
    const v = editionView({ date: '2026-08-21', subject: 'Trending papers for 2026-08-21: C$^2$KV and 7$\\times$', papers: [] }, 'https://p.example.org');
    expect(v.subject).toBe('Trending papers for 2026-08-21: C²KV and 7×');
  });
});

describe('cards of papers with and without counters', () => {
  const arxivOnly: PaperSnapshot = {
    ...base,
    githubUrl: null,
    upvotes: 0,
    comments: 0,
    githubStars: null,
    categories: ['cs.CL', 'cs.LG'],
    // arXiv's RSS: "Thu, 20 Aug 2026 00:00:00 -0400" is the listing of Thursday the 20th in New York.
    publishedAt: '2026-08-20T04:00:00.000Z',
    counted: false,
  };

  it('an arXiv-only paper shows its primary category, announcement date and "new on arXiv", never 0 upvotes', () => {
    const c = cardView(arxivOnly, '2026-08-21');
    expect(c.counted).toBe(false);
    expect(c.statsLine).toBe('cs.CL · announced Aug 20, 2026 · new on arXiv');
    expect(c.statsLine).not.toMatch(/upvote|comment|▲/);
  });

  it('an old arXiv paper is on arXiv, not new', () => {
    expect(cardView(arxivOnly, '2026-10-01').statsLine).toBe('cs.CL · announced Aug 20, 2026 · on arXiv');
  });

  it('counters show whenever a source measured them, even at zero', () => {
    const measured = cardView({ ...arxivOnly, hfUrl: 'https://huggingface.co/papers/2608.12345', counted: true }, '2026-08-21');
    expect(measured.statsLine).toBe('▲ 0 upvotes · 0 comments');
  });

  it('snapshots frozen before `counted` existed: a Hugging Face page or a count means counters, else none', () => {
    const { counted: _c, publishedAt: _p, ...legacy } = arxivOnly;
    const old = parseSnapshot(JSON.stringify(legacy));
    expect(cardView(old, '2026-08-21').statsLine).toBe('cs.CL · on arXiv');
    expect(cardView({ ...old, hfUrl: 'https://huggingface.co/papers/2608.12345' }, '2026-08-21').statsLine).toBe('▲ 0 upvotes · 0 comments');
    expect(cardView({ ...old, upvotes: 3 }, '2026-08-21').statsLine).toBe('▲ 3 upvotes · 0 comments');
  });
});
