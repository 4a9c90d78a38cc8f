// Reading the papers a reader already likes from the files real tools write: BibTeX (arXiv's export, Google
// Scholar, Better BibTeX, JabRef: accents, nested braces, @string, arXiv eprints, notes, arXiv DOIs, DOIs only,
// a broken entry) and Zotero's CSL-JSON; and pasted lists of ids and URLs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/app.js';
import { arxivIdIn, parseBibtex, parseCslJson, parseIdList, parseLibraryFile } from '../../src/profile/import-formats.js';
import { plainText } from '../../src/lib/tex.js';

const read = (name: string) => readFileSync(join(FIXTURES, 'profile', name), 'utf8');

describe('BibTeX', () => {
  const r = parseBibtex(read('library.bib'));
  const byId = new Map(r.papers.map((p) => [p.paperId, p]));

  it('finds the arXiv id wherever the entry keeps it: eprint, note, journal, arXiv DOI, URL (old-style ids too)', () => {
    expect(r.papers.map((p) => p.paperId)).toEqual([
      '2605.11128', // eprint + archivePrefix
      '1706.03762', // note = "arXiv:1706.03762v7" (version dropped)
      '2605.11143', // journal = "arXiv preprint arXiv:…" (Google Scholar)
      '2605.11153', // doi = 10.48550/arXiv.…
      'hep-th/9901001', // url = https://arxiv.org/abs/hep-th/9901001v2
      'doi:10.1145/3292500.3330701', // no arXiv id: kept by its DOI, with its title
    ]);
  });

  it('reads TeX accents and braces into Unicode, abstracts included', () => {
    expect(byId.get('2605.11128')).toEqual({
      paperId: '2605.11128',
      title: 'Schrödinger Bridges for LLM Alignment: the École Approach',
      abstract: 'We study β-divergences for long context alignment of large language models, with ümlauts and braces nested.',
    });
    expect(byId.get('doi:10.1145/3292500.3330701')).toMatchObject({ title: 'Graph Neural Networks in KDD: A Survey', abstract: 'A survey of graph neural networks; “quoted” words.' });
    expect(byId.get('1706.03762')?.title).toBe('Attention Is All You Need');
  });

  it('reports the entries it cannot use, with their reason, and reads the rest', () => {
    expect(r.skipped).toEqual([
      { where: expect.stringContaining('@article{broken'), reason: expect.stringContaining('Unterminated') },
      { where: '@book{nothing-to-go-on}', reason: 'no arXiv id or DOI' },
    ]);
  });

  it('reads a 500-entry library with abstracts, each abstract read by lib/tex.ts and not by the BibTeX parser', () => {
    const abstract = `We study $\\beta$-divergence and \\emph{long context}. ${'More words about things. '.repeat(25)}`;
    let big = '';
    for (let i = 0; i < 500; i++)
      big += `@article{k${i}, title={{Schr{\\"o}dinger} Bridges ${i}}, abstract={${abstract}}, eprint={2401.${10000 + i}}, archivePrefix={arXiv}}\n`;
    const out = parseBibtex(big);
    expect(out.papers).toHaveLength(500);
    // The parser's own TeX reading took ~10 ms per abstract (5 s for this library) and reads \emph as <i>…</i>;
    // lifted out before it, every abstract is lib/tex.ts's plain text of the field, which is the fast path.
    expect(out.papers[7]!.abstract).toMatch(/^We study β-divergence and long context\. More words/);
    expect(new Set(out.papers.map((p) => p.abstract))).toEqual(new Set([plainText(abstract)]));
  });
});

describe('CSL-JSON (Zotero)', () => {
  const r = parseCslJson(read('zotero.json'));

  it('takes arXiv ids from the URL, number, DOI or note, and keeps other papers by DOI', () => {
    expect(r.papers).toEqual([
      {
        paperId: '2605.11153',
        title: 'Decomposing Evolutionary Mixture-of-LoRA Architectures',
        abstract: 'We decompose an evolutionary mixture-of-LoRA system on a from-scratch ~150M-parameter model.',
      },
      { paperId: 'doi:10.1111/cgf.15012', title: 'Étude of Gaussian Splatting for Café Scenes', abstract: 'Señor Gaussian splats, naïvely.' },
      { paperId: '2401.12345', title: 'Only a note', abstract: null },
    ]);
    expect(r.skipped).toEqual([
      { where: 'item 4 (“No identifiers at all”)', reason: 'no arXiv id or DOI' },
      { where: 'item 5', reason: expect.stringContaining('expected object') },
    ]);
  });

  it('says so when the file is not CSL-JSON', () => {
    expect(parseCslJson('{"not": "items"}').skipped[0]!.reason).toMatch(/not a CSL-JSON export/);
    expect(parseCslJson('[{"title": 1').skipped[0]!.reason).toMatch(/^not JSON/);
  });

  it('is told from BibTeX by name, else by content', () => {
    expect(parseLibraryFile('My Library.json', read('zotero.json')).format).toBe('csl-json');
    expect(parseLibraryFile('', read('zotero.json')).format).toBe('csl-json');
    expect(parseLibraryFile('', `\uFEFF${read('library.bib')}`).format).toBe('bibtex');
  });
});

describe('pasted ids', () => {
  it('reads ids and URLs one per line, once each, and names the lines it cannot read', () => {
    const r = parseIdList('2605.11128\r\nhttps://arxiv.org/pdf/2605.11143v2\n# a comment\n\nnot-an-id\narXiv:1706.03762\n2605.11128v3\nhttps://doi.org/10.48550/arXiv.2605.11153');
    expect(r.papers.map((p) => p.paperId)).toEqual(['2605.11128', '2605.11143', '1706.03762', '2605.11153']);
    expect(r.skipped).toEqual([{ where: 'line 5', reason: 'not an arXiv id or URL: not-an-id' }]);
  });

  it('finds arXiv ids in free text without mistaking other numbers for them', () => {
    expect(arxivIdIn('arXiv preprint arXiv:2401.12345')).toBe('2401.12345');
    expect(arxivIdIn('https://arxiv.org/html/2401.12345v3#S2')).toBe('2401.12345');
    expect(arxivIdIn('Proceedings of KDD 2019, pages 1234.5678')).toBeNull();
    expect(arxivIdIn('10.1145/3292500.3330701')).toBeNull();
  });
});
