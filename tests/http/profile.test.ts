// "Papers you like" on the preferences page, through a real HTTP server and the browser's own form encoding
// (multipart with a file): paste ids, upload a BibTeX or CSL-JSON library, see and remove every paper; "Download my
// data" includes the profile and "Delete my data" removes it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { preferencesToken, startHarness, type HttpHarness } from './harness.js';
import { FIXTURES } from '../helpers/app.js';
import { referencesTo } from '../../src/db/subscribers-repo.js';
import { MAX_PROFILE_PAPERS } from '../../src/db/profiles-repo.js';

let h: HttpHarness;
let id: number;
let base: string;

beforeEach(async () => {
  h = await startHarness();
  await h.http.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.http.server.address() as AddressInfo).port}`;
  id = h.app.subscriptions.repo.create({ email: 'ada@example.org', status: 'active', now: '2026-08-01T00:00:00.000Z' });
  // One of the library's papers is stored already (a source brought it); the others are kept as ids.
  h.app.papers.upsertBatch(
    'arxiv',
    [{ id: '2605.11153', title: 'Decomposing Evolutionary Mixture-of-LoRA Architectures', authors: [], aiKeywords: [], categories: ['cs.CL'] }],
    '2026-08-01T00:00:00.000Z',
  );
});
afterEach(async () => h.close());

const q = () => `?token=${preferencesToken(id)}`;
const profile = () =>
  h.app.db.prepare('SELECT paper_id, signal, origin, title FROM profile_papers WHERE subscriber_id = ? ORDER BY paper_id').all(id) as {
    paper_id: string;
    signal: number;
    origin: string;
    title: string | null;
  }[];

/** What a browser sends for the "Add papers" form: multipart, with the file when one is chosen. */
async function addPapers(fields: { ids?: string; file?: { name: string; text: string } }) {
  const body = new FormData();
  body.set('ids', fields.ids ?? '');
  body.set('library', fields.file ? new Blob([fields.file.text]) : new Blob([]), fields.file?.name ?? '');
  const res = await fetch(`${base}/preferences/papers${q()}`, { method: 'POST', body, headers: { 'sec-fetch-site': 'same-origin' } });
  return { status: res.status, text: await res.text() };
}

describe('papers you like', () => {
  it('imports a BibTeX library: arXiv ids, DOIs for the rest, titles kept, skipped entries named', async () => {
    const res = await addPapers({ file: { name: 'library.bib', text: readFileSync(join(FIXTURES, 'profile', 'library.bib'), 'utf8') } });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Added 6 papers to your profile.');
    expect(res.text).toContain('2 entries skipped');
    expect(res.text).toContain('@book{nothing-to-go-on}: no arXiv id or DOI');
    expect(profile().map((p) => [p.paper_id, p.signal, p.origin])).toEqual([
      ['1706.03762', 1, 'bibtex'],
      ['2605.11128', 1, 'bibtex'],
      ['2605.11143', 1, 'bibtex'],
      ['2605.11153', 1, 'bibtex'],
      ['doi:10.1145/3292500.3330701', 1, 'bibtex'],
      ['hep-th/9901001', 1, 'bibtex'],
    ]);
    // The page lists every paper with a Remove button; papers we do not store yet say so.
    expect(res.text).toContain('Schrödinger Bridges for LLM Alignment: the École Approach');
    expect(res.text).toContain('(2605.11128; used once a source brings it)');
    expect(res.text).toMatch(/Decomposing Evolutionary Mixture-of-LoRA Architectures<\/span><form/); // stored: no note
    expect(res.text.match(/>Remove<\/button>/g)).toHaveLength(6);

    // Importing the same file again adds nothing.
    const again = await addPapers({ file: { name: 'library.bib', text: readFileSync(join(FIXTURES, 'profile', 'library.bib'), 'utf8') } });
    expect(again.text).toContain('Added 0 papers to your profile. 6 were in it already.');
    expect(profile()).toHaveLength(6);
  });

  it('imports a Zotero CSL-JSON export and pasted ids together, and never overrides "less like this"', async () => {
    await h.app.profiles.setFeedback(id, '2605.11153', 'less');
    const res = await addPapers({ ids: '2605.11128\nhttps://arxiv.org/abs/2605.11143v1\nnonsense', file: { name: 'My Library.json', text: readFileSync(join(FIXTURES, 'profile', 'zotero.json'), 'utf8') } });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Added 4 papers to your profile. 1 was in it already.');
    expect(res.text).toContain('line 3: not an arXiv id or URL: nonsense');
    expect(profile()).toEqual([
      { paper_id: '2401.12345', signal: 1, origin: 'csl-json', title: 'Only a note' },
      { paper_id: '2605.11128', signal: 1, origin: 'list', title: null },
      { paper_id: '2605.11143', signal: 1, origin: 'list', title: null },
      { paper_id: '2605.11153', signal: -1, origin: 'email', title: null },
      { paper_id: 'doi:10.1111/cgf.15012', signal: 1, origin: 'csl-json', title: 'Étude of Gaussian Splatting for Café Scenes' },
    ]);
    expect(res.text).toContain('less like this</span>');
  });

  it('says what went wrong when nothing could be added, and stops at the profile limit', async () => {
    const empty = await addPapers({});
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('paste arXiv ids or choose a file first');
    const junk = await addPapers({ ids: 'hello\nworld' });
    expect(junk.status).toBe(400);
    expect(junk.text).toContain('Added 0 papers');
    const many = Array.from({ length: MAX_PROFILE_PAPERS + 5 }, (_, i) => `2401.${String(10000 + i)}`).join('\n');
    const full = await addPapers({ ids: many });
    expect(full.text).toContain(`Added ${MAX_PROFILE_PAPERS} papers to your profile. 5 left out: a profile holds at most ${MAX_PROFILE_PAPERS} papers.`);
    expect(profile()).toHaveLength(MAX_PROFILE_PAPERS);
  });

  it('removes a paper (idempotently), and a bad preferences token adds or removes nothing', async () => {
    await addPapers({ ids: '2605.11128\n2605.11143' });
    const remove = (paper: string, token = preferencesToken(id)) =>
      fetch(`${base}/preferences/papers/remove?token=${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        body: new URLSearchParams({ paper }),
      });
    expect((await remove('2605.11128')).status).toBe(200);
    expect((await remove('2605.11128')).status).toBe(200);
    expect(profile().map((p) => p.paper_id)).toEqual(['2605.11143']);
    expect((await remove('2605.11143', `${id}.${'A'.repeat(32)}`)).status).toBe(404);
    const forged = new FormData();
    forged.set('ids', '2401.00001');
    expect((await fetch(`${base}/preferences/papers?token=${id}.${'A'.repeat(32)}`, { method: 'POST', body: forged })).status).toBe(404);
    expect(profile().map((p) => p.paper_id)).toEqual(['2605.11143']);
  });

  it('"Download my data" includes the profile; "Delete my data" deletes it with every other row of the reader', async () => {
    await addPapers({ ids: '2605.11128' });
    await h.app.profiles.setFeedback(id, '2605.11153', 'less');
    const data = (await (await fetch(`${base}/preferences/export${q()}`)).json()) as { profile: unknown[]; otherRecords?: unknown };
    // Both rows may carry the same millisecond (then the list orders them by paper id), so compare them as a set.
    expect(data.profile).toHaveLength(2);
    expect(data.profile).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ paper: '2605.11153', signal: 'less like this', origin: 'email', title: 'Decomposing Evolutionary Mixture-of-LoRA Architectures' }),
        expect.objectContaining({ paper: '2605.11128', signal: 'more like this', origin: 'list', title: null }),
      ]),
    );
    expect(data.otherRecords).toBeUndefined(); // the profile is named, not dumped as an unknown table
    // profile_papers refers to subscribers: "delete removes every row with a foreign key to subscribers" covers it.
    expect(referencesTo(h.app.db, 'subscribers').map((r) => r.table)).toContain('profile_papers');
    const del = await fetch(`${base}/preferences/delete${q()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: 'confirm=yes',
    });
    expect(del.status).toBe(200);
    expect(profile()).toEqual([]);
  });
});
