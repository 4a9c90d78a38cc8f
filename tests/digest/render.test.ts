// The digest and confirmation emails: compiled once per edition with strict MJML, filled per recipient
// by fragments, accessible, small, every link absolute https, and a text part from the same view model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileEdition, compileMjml, compileTemplate, renderConfirmation, type RenderedMessage } from '../../src/digest/render.js';
import type { PaperSnapshot } from '../../src/digest/snapshot.js';
import { formatDateLabel } from '../../src/digest/view.js';
import { linksIn, NO_TOPICS, READER, sampleEdition, type SampleEdition } from './sample-edition.js';
import { subscriberUrls } from '../../src/http/links.js';

const BASE = 'https://papers.example.org';

function snapshot(i: number, over: Partial<PaperSnapshot> = {}): PaperSnapshot {
  return {
    id: `2608.${String(10000 + i)}`,
    title: `Paper ${i}`,
    authors: ['A. Author', 'B. Author'],
    summary: `Summary of paper ${i}.`,
    abstract: null,
    hfUrl: `https://huggingface.co/papers/2608.${String(10000 + i)}`,
    arxivUrl: null,
    pdfUrl: null,
    githubUrl: null,
    projectUrl: null,
    thumbnailUrl: null,
    organization: null,
    upvotes: 10 + i,
    comments: i,
    githubStars: null,
    keywords: [],
    categories: [],
    ...over,
  };
}

const urls = { unsubscribeUrl: `${BASE}/unsubscribe?token=7.abc&x=1`, preferencesUrl: `${BASE}/preferences?token=7.def` };

describe('the digest of a real edition', () => {
  let s: SampleEdition;
  let reader: RenderedMessage;
  let plain: RenderedMessage;
  beforeAll(async () => {
    s = await sampleEdition();
    reader = s.compiled.renderFor(s.recipient(READER.email));
    plain = s.compiled.renderFor(s.recipient(NO_TOPICS.email));
  });
  afterAll(async () => s?.app.cleanup());

  it('renders each recipient synchronously from the compiled fragments, with their own sections and links', () => {
    const r = s.recipient(READER.email);
    expect(r.sections.map((x) => x.kind)).toContain('topic');
    // renderFor is synchronous: MJML 5 is async, so rendering a recipient cannot compile MJML.
    expect(s.compiled.renderFor(r)).not.toBeInstanceOf(Promise);
    let last = 0;
    for (const sec of r.sections) {
      const at = reader.html.indexOf(`>${sec.title}<`, last);
      expect(at, `section ${sec.title} in order`).toBeGreaterThan(last);
      last = at;
      for (const p of sec.papers) {
        const title = s.edition.papers.find((x) => x.snapshot.id === p.id)!.snapshot.title.replace(/\s+/g, ' ').trim();
        const pos = reader.html.indexOf(title.replace(/&/g, '&amp;').replace(/'/g, '&#39;').replace(/"/g, '&quot;'), last);
        expect(pos, `paper ${p.id} after its section heading`).toBeGreaterThan(last);
        expect(reader.html.indexOf(p.reason.replace(/&/g, '&amp;'), pos)).toBeGreaterThan(pos);
        last = pos;
      }
    }
    expect(reader.html).toContain(`href="${r.unsubscribeUrl}"`);
    expect(reader.html).toContain(`href="${r.preferencesUrl}"`);
    expect(reader.html).not.toMatch(/%%/);
    // The reader without topics gets Top trending only, and nobody else's links.
    expect(plain.html).not.toContain('For you');
    expect(plain.html).not.toContain(r.unsubscribeUrl);
    expect(reader.subject).toBe(s.edition.subject);
  });

  it('is accessible: lang, title, preheader, color-scheme meta, alt on images, view-in-browser link, footer links', () => {
    const html = reader.html;
    expect(html).toMatch(/<html lang="en"/);
    expect(html).toMatch(/<title>[^<]*Trending papers for 2026-08-21[^<]*<\/title>/);
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toMatch(/prefers-color-scheme: ?dark/);
    // The preheader is the first paper and a count, in MJML's hidden preview block.
    const first = s.recipient(READER.email).sections[0]!.papers[0]!.id;
    const firstTitle = s.edition.papers.find((p) => p.snapshot.id === first)!.snapshot.title.split(' ')[0]!;
    // It is hidden without MJML's white 1px text, which SpamAssassin reads as a trick (HTML_FONT_LOW_CONTRAST):
    // if MJML ever changes its preview markup, this exact match fails before any score does.
    expect(html).toMatch(
      new RegExp(`<div style="display:none;max-height:0px;max-width:0px;opacity:0;overflow:hidden;mso-hide:all;">${firstTitle}[^<]*more papers people are reading today`),
    );
    expect(html).not.toMatch(/font-size:1px;color:#ffffff/);
    for (const img of html.match(/<img\b[^>]*>/g) ?? []) expect(img).toMatch(/\balt="[^"]*"/);
    expect(html).toMatch(new RegExp(`<a href="${BASE}/archive/2026-08-21"[^>]*>View in browser</a>`));
    // Nothing is fetched when the email opens: no web fonts, no external stylesheets.
    expect(html).not.toMatch(/<link\b|@import/);
    expect(html).toMatch(/>Unsubscribe<\/a>/);
    expect(html).toMatch(/>Manage preferences<\/a>/);
    expect(html).toContain(formatDateLabel('2026-08-21'));
  });

  it('links only to absolute https URLs', () => {
    const links = linksIn(reader.html);
    expect(links.length).toBeGreaterThan(20);
    for (const l of links) expect(l, l).toMatch(/^https:\/\/[^\s]+$/);
  });

  it('has a plain-text part made from the same view model', () => {
    const r = s.recipient(READER.email);
    expect(reader.text).not.toMatch(/<[a-z]/i);
    expect(reader.text).toContain(`View in browser: ${BASE}/archive/2026-08-21`);
    for (const sec of r.sections) {
      expect(reader.text).toContain(sec.title.toUpperCase());
      for (const p of sec.papers) {
        const snap = s.edition.papers.find((x) => x.snapshot.id === p.id)!.snapshot;
        expect(reader.text.replace(/\s+/g, ' ')).toContain(snap.title.replace(/\s+/g, ' ').trim());
        expect(reader.text).toContain(p.reason);
      }
    }
    expect(reader.text).toContain(`Unsubscribe: ${r.unsubscribeUrl}`);
    expect(reader.text).toContain(`Manage preferences: ${r.preferencesUrl}`);
  });
});

describe('size, escaping and errors', () => {
  it('keeps a 20-paper digest of maximum-length cards under 100 KB, with every card\'s feedback links and a Picked for you section', async () => {
    const long = 'Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore '.repeat(6);
    const papers = Array.from({ length: 20 }, (_, i) =>
      snapshot(i, {
        title: `A Rather Long Title About Scaling Laws For Very Large Mixture Of Experts Language Models, Part ${i}`,
        authors: ['First Author', 'Second Author', 'Third Author', 'Fourth Author'],
        summary: long,
        organization: 'An Organization With A Long Name',
        githubUrl: `https://github.com/some-organization/some-repository-${i}`,
        githubStars: 12345,
        projectUrl: `https://project-page.example.org/papers/${i}`,
        upvotes: 1234,
        comments: 56,
      }),
    );
    const compiled = await compileEdition({ date: '2026-08-21', subject: 'Trending papers for 2026-08-21: a long subject line', papers }, { publicBaseUrl: BASE });
    // A reader with a profile: Top trending, Picked for you (reasons naming two saved papers, at their longest), a topic.
    const saved = 'A Rather Long Title About Scaling Laws For Very Large…';
    const sections = [
      { kind: 'trending' as const, title: 'Top trending', papers: papers.slice(0, 10).map((p) => ({ id: p.id, reason: '+1,234 upvotes in 24 h' })) },
      {
        kind: 'picked' as const,
        title: 'Picked for you',
        papers: papers.slice(10, 15).map((p) => ({ id: p.id, reason: `like 3 papers you saved: “${saved}”, “${saved}” and 1 more · +1,234 upvotes in 24 h` })),
      },
      { kind: 'topic' as const, title: 'For you: mixture of experts', papers: papers.slice(15).map((p) => ({ id: p.id, reason: 'matches: mixture of experts' })) },
    ];
    // The real per-reader links: unsubscribe, preferences and an HMAC token per card for More / Less like this.
    const links = subscriberUrls(BASE, 'a-secret-key-of-thirty-two-bytes!!', 123456);
    const { html, text } = compiled.renderFor({ sections, ...links });
    expect((html.match(/class="card"/g) ?? []).length).toBe(20);
    for (const p of papers) {
      const token = links.feedbackToken(p.id);
      expect(html).toContain(`${BASE}/feedback/${p.id}/more?token=${token}`);
      expect(html).toContain(`${BASE}/feedback/${p.id}/less?token=${token}`);
      expect(text).toContain(`More like this: ${BASE}/feedback/${p.id}/more?token=${token}`);
    }
    expect(html).toContain('>Picked for you<');
    expect(Buffer.byteLength(html)).toBeLessThan(100 * 1024);
  });

  it('escapes paper text and reasons, and paper text cannot fake a slot', async () => {
    const evil = snapshot(1, { title: '<script>alert(1)</script> & "Q" %%reason-000000000000%%', summary: '<img src=x onerror=alert(1)>' });
    const compiled = await compileEdition({ date: '2026-08-21', subject: '<b>subject</b>', papers: [evil] }, { publicBaseUrl: BASE });
    const { html, text } = compiled.renderFor({ sections: [{ kind: 'trending', title: 'Top <trending>', papers: [{ id: evil.id, reason: '<i>why</i>' }] }], ...urls });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Q&quot; %%reason-000000000000%%');
    expect(html).toContain('&lt;i&gt;why&lt;/i&gt;');
    expect(html).toContain('Top &lt;trending&gt;');
    // The subject (and the HTML title) names the reader's first paper, escaped like the rest.
    expect(html).toContain('<title>Trending papers for 2026-08-21: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Q&quot; %%reason-000000000000%%</title>');
    expect(html).toContain('href="https://papers.example.org/unsubscribe?token=7.abc&amp;x=1"');
    expect(text).toContain('<script>alert(1)</script>');
  });

  it('drops unsafe links from source data and upgrades plain http', async () => {
    const p = snapshot(2, { githubUrl: 'http://github.com/a/b', projectUrl: 'javascript:alert(1)', hfUrl: null, pdfUrl: 'data:text/html,x' });
    const compiled = await compileEdition({ date: '2026-08-21', subject: 's', papers: [p] }, { publicBaseUrl: BASE });
    const { html } = compiled.renderFor({ sections: [{ kind: 'trending', title: 'Top trending', papers: [{ id: p.id, reason: 'r' }] }], ...urls });
    expect(html).toContain('href="https://github.com/a/b"');
    expect(html).not.toMatch(/javascript:|data:text/);
    expect(html).toContain(`href="https://arxiv.org/abs/${p.id}"`);
    expect(html).toContain(`href="https://arxiv.org/pdf/${p.id}"`);
  });

  it('refuses a paper outside the edition, an empty digest and a bad link', async () => {
    const compiled = await compileEdition({ date: '2026-08-21', subject: 's', papers: [snapshot(1)] }, { publicBaseUrl: BASE });
    expect(() => compiled.renderFor({ sections: [{ kind: 'trending', title: 'T', papers: [{ id: '9999.99999', reason: 'r' }] }], ...urls })).toThrow(
      expect.objectContaining({ code: 'RENDER_UNKNOWN_PAPER' }),
    );
    expect(() => compiled.renderFor({ sections: [], ...urls })).toThrow(expect.objectContaining({ code: 'RENDER_EMPTY' }));
    expect(() =>
      compiled.renderFor({ sections: [{ kind: 'trending', title: 'T', papers: [{ id: snapshot(1).id, reason: 'r' }] }], ...urls, unsubscribeUrl: '/relative' }),
    ).toThrow(expect.objectContaining({ code: 'RENDER_BAD_URL' }));
  });

  it('compiles MJML with strict validation', async () => {
    await expect(compileMjml('<mjml><mj-body><mj-section><mj-column><mj-text bogus="1">x</mj-text></mj-column></mj-section></mj-body></mjml>')).rejects.toMatchObject({
      code: 'MJML_INVALID',
    });
  });

  it('fills a template on the MJML thread, and a value the template names but the data lacks is a fill error, not invalid MJML', async () => {
    const slots = { confirmUrl: 'SLOT-confirm' };
    const html = await compileTemplate('confirm', { siteHost: 'papers.example.org', siteUrl: 'https://papers.example.org/', ttlHours: 48, slots });
    expect(html).toContain('papers.example.org');
    expect(html).toContain('SLOT-confirm');
    await expect(compileTemplate('confirm', { siteUrl: 'https://papers.example.org/', ttlHours: 48, slots })).rejects.toMatchObject({
      code: 'TEMPLATE_FILL_FAILED',
      message: expect.stringContaining('siteHost'),
    });
  });
});

describe('TeX, arXiv-only papers and landmarks', () => {
  // Real titles from the recorded feeds (tests/fixtures/tex/real-strings.json) and the ones the issue quotes.
  const tex = snapshot(1, {
    title: 'C$^2$KV: \\textbf{GPT-Red} is 7$\\times$ faster than $\\calE = \\calM \\times \\R^d$',
    summary: 'We propose \\textbf{GLoRA}, a gauge-aware server representation for federated LoRA.',
    authors: ['Jacques Saraydaryan (CPE', ' CHROMA)', 'Jón Gu{\\dh}jónsson'],
  });
  const arxivOnly = snapshot(2, {
    title: 'Why Adam Works Better with $\\beta_1 = \\beta_2$: The Missing Gradient Scale Invariance Principle',
    summary: null,
    abstract: 'The system ran in $\\sim$3 hours ($\\sim$20x) for $3,600 per million queries.',
    hfUrl: null,
    upvotes: 0,
    comments: 0,
    categories: ['cs.LG', 'cs.AI'],
    publishedAt: '2026-08-21T04:00:00.000Z',
    counted: false,
  });
  let msg: RenderedMessage;
  beforeAll(async () => {
    const compiled = await compileEdition(
      { date: '2026-08-21', subject: 'Trending papers for 2026-08-21: C$^2$KV: \\textbf{GPT-Red}', papers: [tex, arxivOnly] },
      { publicBaseUrl: BASE },
    );
    msg = compiled.renderFor({
      sections: [
        { kind: 'trending', title: 'Top trending', papers: [{ id: tex.id, reason: '+42 upvotes in 24 h' }] },
        { kind: 'topic', title: 'For you: optimizers', topic: 'optimizers', papers: [{ id: arxivOnly.id, reason: 'matches: optimizers' }] },
      ],
      ...urls,
    });
  });

  it('shows TeX as readable text in the HTML, the text part and the subject', () => {
    // The reader's subject names their own first paper, TeX made plain.
    expect(msg.subject).toBe('Trending papers for 2026-08-21: C²KV: GPT-Red is 7× faster than $\\calE = \\calM × \\Rᵈ$');
    expect(msg.html).toContain('C²KV: <strong>GPT-Red</strong> is 7× faster than $\\calE = \\calM × \\Rᵈ$');
    expect(msg.html).toContain('We propose <strong>GLoRA</strong>, a gauge-aware');
    expect(msg.html).toContain('Why Adam Works Better with β₁ = β₂');
    expect(msg.html).toContain('The system ran in ∼3 hours (∼20x) for $3,600 per million queries.');
    const text = msg.text.replace(/\s+/g, ' ');
    expect(text).toContain('C²KV: GPT-Red is 7× faster than $\\calE = \\calM × \\Rᵈ$');
    expect(text).toContain('Jacques Saraydaryan, Jón Guðjónsson');
    for (const part of [msg.html, msg.text, msg.subject]) expect(part).not.toMatch(/\\(textbf|times|beta|sim)\b|\$\^2\$/);
  });

  it('gives an arXiv-only card its category, date and "new on arXiv" instead of counters, in both parts', () => {
    expect(msg.html).toContain('matches: optimizers</span> cs.LG · announced Aug 21, 2026 · new on arXiv');
    expect(msg.text).toContain('    cs.LG · announced Aug 21, 2026 · new on arXiv');
    expect(msg.text).toContain('    Why: matches: optimizers');
    // The counted paper keeps its counters; nothing claims 0 upvotes.
    expect(msg.html).toContain('▲ 11 upvotes · 1 comment');
    expect(msg.html + msg.text).not.toMatch(/\D0 upvotes/);
  });

  it('marks the content as the main landmark, with banner and contentinfo around it', () => {
    expect(msg.html.match(/role="main"/g)).toHaveLength(1);
    expect(msg.html.match(/role="banner"/g)).toHaveLength(1);
    expect(msg.html.match(/role="contentinfo"/g)).toHaveLength(1);
    const main = msg.html.indexOf('role="main"');
    expect(msg.html.indexOf("Today's trending papers")).toBeGreaterThan(main);
    expect(msg.html.indexOf('role="contentinfo"')).toBeGreaterThan(msg.html.indexOf('GLoRA'));
    // MJML's article wrapper keeps its role but not its name: a named wrapper is content outside every landmark.
    expect(msg.html).toMatch(/<div aria-roledescription="email" role="article" lang="en"/);
  });

  it('keeps a 20-paper digest of TeX-heavy titles under 100 KB', async () => {
    const real = 'Breaking $\\textit{Winner-Takes-All}$: \\textbf{Cooperative} Policy Optimization for $\\ell_2$-Boosting with $\\beta_1 = \\beta_2$ and C$^2$KV';
    const abstract = 'We propose \\textbf{GLoRA} in $\\mathcal{O}(n^2 \\log n)$ and \\emph{show} 4.83$\\times$ gains, $\\calE = \\calM \\times \\R^d$. '.repeat(8);
    const papers = Array.from({ length: 20 }, (_, i) =>
      snapshot(i, { title: `${real} ${i}`, summary: abstract, authors: ['{\\DJ}or{\\dj}e \\v{Z}ikeli\\\'c', 'B', 'C', 'D'], githubUrl: `https://github.com/o/r${i}`, githubStars: 1234 }),
    );
    const compiled = await compileEdition({ date: '2026-08-21', subject: 's', papers }, { publicBaseUrl: BASE });
    const { html } = compiled.renderFor({ sections: [{ kind: 'trending', title: 'Top trending', papers: papers.map((p) => ({ id: p.id, reason: '+1,234 upvotes in 24 h' })) }], ...urls });
    expect((html.match(/class="card"/g) ?? []).length).toBe(20);
    expect(html).toContain('<em>Winner-Takes-All</em>');
    expect(Buffer.byteLength(html)).toBeLessThan(100 * 1024);
  });
});

describe('the confirmation email', () => {
  it('carries the confirmation link in the button, as text and in the text part', async () => {
    const url = `${BASE}/confirm?token=abc_DEF-123&x=1`;
    const msg = await renderConfirmation({ publicBaseUrl: BASE, ttlHours: 48 }, url);
    expect(msg.subject).toBe('Confirm your subscription to Trending Papers');
    expect(msg.html.split(`href="${url.replace('&', '&amp;')}"`).length - 1).toBe(2);
    expect(msg.html).toMatch(/<html lang="en"/);
    expect(msg.html).toContain('<meta name="color-scheme" content="light dark">');
    expect(msg.html).toContain('48 hours');
    expect(msg.html).not.toMatch(/%%/);
    for (const l of linksIn(msg.html)) expect(l).toMatch(/^https:\/\//);
    expect(msg.text).toContain(url);
    // The compiled template is reused: a second link renders without mixing the first one in.
    const other = await renderConfirmation({ publicBaseUrl: BASE, ttlHours: 48 }, `${BASE}/confirm?token=zzz`);
    expect(other.html).toContain('token=zzz');
    expect(other.html).not.toContain('abc_DEF');
  });
});
