// From stored papers to what a reader gets: an edition prepared on a real SQLite app with a Hugging Face paper whose
// title is TeX and an arXiv-only paper that matches a reader's topic. The subject is plain text, snapshots record
// whether counters were measured, and the arXiv card says what it is and why it is there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { fixedClock } from '../../src/lib/clock.js';
import { createPapersRepo } from '../../src/db/papers-repo.js';
import { prepareEdition } from '../../src/digest/prepare.js';
import { compileStoredEdition, readStoredEdition, type StoredEdition } from '../../src/digest/stored-edition.js';
import type { Section } from '../../src/rank/select.js';

const DATE = '2026-08-21';
let app: TestApp;
let edition: StoredEdition;
let subscriber: number;

beforeAll(async () => {
  // One paper in Top trending: the one with counters ranks first, so the arXiv paper can only come as a topic match.
  app = createTestApp({ DIGEST_SIZE: '1' }, { clock: fixedClock('2026-08-21T07:00:00.000Z') });
  const papers = createPapersRepo(app.db);
  papers.upsertBatch(
    'hf',
    [
      {
        id: '2608.20001',
        title: 'C$^2$KV: \\textbf{GPT-Red} is 7$\\times$ faster',
        abstract: 'An abstract.',
        authors: ['Ada Lovelace'],
        dailyDate: DATE,
        publishedAt: '2026-08-20T04:00:00.000Z',
        aiKeywords: [],
        categories: [],
        hfUrl: 'https://huggingface.co/papers/2608.20001',
        counters: { upvotes: 40, comments: 2 },
      },
    ],
    '2026-08-21T06:00:00.000Z',
  );
  // Real title and authors of 2605.10169 (tests/fixtures/arxiv/rss-tex-authors-2026-05.xml), re-dated to this week.
  papers.upsertBatch(
    'arxiv',
    [
      {
        id: '2608.20002',
        title: 'Long context retrieval with $\\ell_2$-Boosting',
        abstract: 'We study long context models.',
        authors: ['Krishnendu Chatterjee', 'Đorđe Žikelić'],
        publishedAt: '2026-08-21T04:00:00.000Z',
        aiKeywords: [],
        categories: ['cs.CL', 'cs.LG'],
        arxivUrl: 'https://arxiv.org/abs/2608.20002',
      },
    ],
    '2026-08-21T06:30:00.000Z',
  );
  subscriber = app.subscriptions.repo.create({ email: 'reader@example.org', status: 'active', now: '2026-08-20T00:00:00.000Z', topics: ['long context'] });
  const result = prepareEdition(app, DATE, app.prepareSettings);
  expect(result.edition.status).toBe('ready');
  edition = (await readStoredEdition(app.store, DATE))!;
});
afterAll(async () => app?.cleanup());

describe('an edition with TeX and an arXiv-only paper', () => {
  it('builds a plain-text subject from the TeX title', () => {
    expect(edition.subject).toBe('Trending papers for 2026-08-21: C²KV: GPT-Red is 7× faster');
  });

  it('freezes whether counters were measured, and when arXiv announced the paper', () => {
    const hf = edition.papers.find((p) => p.snapshot.id === '2608.20001')!.snapshot;
    const arxiv = edition.papers.find((p) => p.snapshot.id === '2608.20002')!.snapshot;
    expect(hf).toMatchObject({ counted: true, upvotes: 40, comments: 2 });
    expect(arxiv).toMatchObject({ counted: false, publishedAt: '2026-08-21T04:00:00.000Z', categories: ['cs.CL', 'cs.LG'] });
    // Stored as the source wrote it: the view makes it readable.
    expect(arxiv.title).toBe('Long context retrieval with $\\ell_2$-Boosting');
  });

  it('shows the arXiv paper with its category, date and "new on arXiv", and the topic match as its reason', async () => {
    const row = app.db.prepare('SELECT selection_json FROM deliveries WHERE subscriber_id = ?').get(subscriber) as { selection_json: string };
    const sections = JSON.parse(row.selection_json) as Section[];
    const compiled = await compileStoredEdition(edition, { publicBaseUrl: app.config.publicBaseUrl });
    const msg = compiled.renderFor({ sections, unsubscribeUrl: 'https://x.example/u', preferencesUrl: 'https://x.example/p' });
    const topic = sections.find((s) => s.kind === 'topic');
    expect(topic?.papers.map((p) => p.id)).toContain('2608.20002');
    expect(topic?.papers.find((p) => p.id === '2608.20002')?.reason).toBe('matches: long context');
    expect(msg.subject).toBe('Trending papers for 2026-08-21: C²KV: GPT-Red is 7× faster');
    expect(msg.html).toContain('Long context retrieval with ℓ₂-Boosting');
    expect(msg.html).toContain('matches: long context</span> cs.CL · announced Aug 21, 2026 · new on arXiv');
    expect(msg.text).toContain('cs.CL · announced Aug 21, 2026 · new on arXiv');
    expect(msg.text).toContain('Why: matches: long context');
    expect(msg.html).toContain('▲ 40 upvotes · 2 comments');
    expect(msg.html + msg.text).not.toMatch(/\D0 upvotes/);
  });
});
