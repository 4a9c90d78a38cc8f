// "More like this" / "Less like this": a GET (what mail scanners do) shows the page and records nothing; a POST
// records once however often it comes; the saved page's undo restores what was there; a tampered or borrowed token,
// or an unknown paper, changes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { browserForm, LEAK, SECRET, startHarness, type HttpHarness } from './harness.js';
import { feedbackUrl, subscriberUrls } from '../../src/http/links.js';
import { signFeedbackToken } from '../../src/lib/tokens.js';

let h: HttpHarness;
let id: number;
let other: number;
const PAPER = '2608.12345';
const BASE = 'https://papers.example.org';

beforeEach(async () => {
  h = await startHarness();
  const now = '2026-08-20T07:00:00.000Z';
  id = h.app.subscriptions.repo.create({ email: 'ada@example.org', status: 'active', now });
  other = h.app.subscriptions.repo.create({ email: 'grace@example.org', status: 'active', now });
  h.app.papers.upsertBatch(
    'arxiv',
    [
      {
        id: PAPER,
        title: 'C$^2$KV: \\textbf{Quokka} planners for long context',
        abstract: 'We study quokka planners with $\\beta$-divergences.',
        authors: ['Đorđe Žikelić', 'Ada Lovelace'],
        aiKeywords: [],
        categories: ['cs.CL'],
        publishedAt: now,
        arxivUrl: `https://arxiv.org/abs/${PAPER}`,
      },
    ],
    now,
  );
});
afterEach(async () => h.close());

const rows = () => h.app.db.prepare('SELECT subscriber_id, paper_id, signal, origin FROM profile_papers ORDER BY subscriber_id').all();
const path = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};
const link = (choice: 'more' | 'less', sid = id, paper = PAPER) => path(feedbackUrl(BASE, SECRET, sid, paper, choice));
const post = (choice: string, sid = id, paper = PAPER, token = signFeedbackToken(SECRET, sid, paper)) =>
  h.http.inject({ method: 'POST', url: `/feedback/${encodeURIComponent(paper)}?token=${token}`, ...browserForm({ choice }) });

describe('feedback links', () => {
  it('GET shows the paper with both choices as POST buttons and records nothing (mail scanners prefetch)', async () => {
    for (const choice of ['more', 'less'] as const) {
      const res = await h.http.inject({ method: 'GET', url: link(choice), headers: { accept: 'text/html' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toContain('C²KV: <strong>Quokka</strong> planners for long context');
      expect(res.body).toContain('Đorđe Žikelić, Ada Lovelace');
      expect(res.body).toContain(choice === 'more' ? 'More papers like this one?' : 'Fewer papers like this one?');
      // Two forms that POST, no script, and a note of what each choice changes.
      expect(res.body.match(/<form method="post" action="\/feedback\/2608\.12345\?token=[^"]+"/g)).toHaveLength(2);
      expect(res.body).toContain('name="choice" value="more"');
      expect(res.body).toContain('name="choice" value="less"');
      expect(res.body).toContain('Picked for you');
      expect(res.body).not.toContain('<script');
      expect(res.body).toContain(subscriberUrls('', SECRET, id).preferencesUrl);
    }
    // HEAD (some scanners) records nothing either.
    expect((await h.http.inject({ method: 'HEAD', url: link('more') })).statusCode).toBe(200);
    expect(rows()).toEqual([]);
  });

  it('POST records once, however often it comes, and the page offers an undo that restores the state before', async () => {
    const first = await post('more');
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('Saved: more papers like this one.');
    expect(first.body).toContain('name="choice" value="none"'); // undo → not in the profile, as before
    expect(rows()).toEqual([{ subscriber_id: id, paper_id: PAPER, signal: 1, origin: 'email' }]);
    const again = await post('more');
    expect(again.statusCode).toBe(200);
    expect(rows()).toHaveLength(1);
    expect(again.body).not.toContain('>Undo</button>'); // nothing changed, nothing to undo

    // Changing one's mind, then undoing it, goes back to "more", not to nothing.
    const less = await post('less');
    expect(less.body).toContain('Saved: fewer papers like this one.');
    expect(less.body).toContain('name="choice" value="more"');
    expect(rows()).toEqual([{ subscriber_id: id, paper_id: PAPER, signal: -1, origin: 'email' }]);
    expect((await post('more')).statusCode).toBe(200);
    expect(rows()).toEqual([{ subscriber_id: id, paper_id: PAPER, signal: 1, origin: 'email' }]);
    const undo = await post('none');
    expect(undo.body).toContain('no longer in your profile');
    expect(rows()).toEqual([]);

    // The page a link opens says where the reader stands.
    await post('less');
    const page = await h.http.inject({ method: 'GET', url: link('more') });
    expect(page.body).toContain('You marked this paper “less like this”.');
  });

  it('a tampered, borrowed or foreign token changes nothing, nor does a link to a paper we do not hold', async () => {
    const token = signFeedbackToken(SECRET, id, PAPER);
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const bad = [
      `/feedback/${PAPER}?token=${flipped}`, // one character changed
      `/feedback/${PAPER}?token=${other}.${token.split('.')[1]}`, // another reader's id with this reader's MAC
      `/feedback/2608.99999?token=${token}`, // this reader's token for another paper
      `/feedback/${PAPER}?token=${signFeedbackToken('another-secret-another-secret-000000', id, PAPER)}`,
      `/feedback/${PAPER}`,
      `/feedback/${PAPER}?token=${encodeURIComponent('1.<script>')}`,
    ];
    for (const url of bad) {
      const get = await h.http.inject({ method: 'GET', url: url.includes('?') ? url.replace('?', '/more?') : `${url}/more`, headers: { accept: 'text/html' } });
      expect(get.statusCode, url).toBe(404);
      expect(get.body).toContain('This link is not valid');
      const res = await h.http.inject({ method: 'POST', url, ...browserForm({ choice: 'more' }) });
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toMatch(LEAK);
    }
    // A genuine token for a paper we do not hold: refused, nothing written.
    const unknown = await post('more', id, '2608.99999');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('We do not know this paper');
    // A bad choice: the page again, nothing written.
    expect((await post('maybe')).statusCode).toBe(400);
    // A form posted from another site is refused before anything happens.
    const cross = await h.http.inject({
      method: 'POST',
      url: `/feedback/${PAPER}?token=${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
      payload: 'choice=more',
    });
    expect(cross.statusCode).toBe(403);
    expect(rows()).toEqual([]);
  });

  it('a deleted reader\'s link records nothing', async () => {
    await h.app.subscriptions.deleteData(id);
    const res = await post('more');
    expect(res.statusCode).toBe(404);
    expect(rows()).toEqual([]);
  });
});
