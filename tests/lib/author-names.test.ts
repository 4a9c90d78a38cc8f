// Author lists: real arXiv dc:creator lists (affiliations with commas, TeX accents, "and", stray ":"),
// the names the issue quotes, the repair of lists split by older versions, and idempotence.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { cleanAuthorName, cleanAuthors, splitCreatorList } from '../../src/lib/author-names.js';
import { createArxivXmlParser } from '../../src/ingest/arxiv-xml.js';
import { parseRssItem } from '../../src/ingest/arxiv-rss-item.js';

/** Real items from ../shared/fixtures/arxiv/rss-2026-05 (copied unchanged), chosen for their author lists and titles. */
function fixtureItems(): Map<string, ReturnType<typeof parseRssItem>> {
  const xml = readFileSync(new URL('../fixtures/arxiv/rss-tex-authors-2026-05.xml', import.meta.url), 'utf8');
  const items = (createArxivXmlParser().parse(xml) as { rss: { channel: { item: unknown[] } } }).rss.channel.item;
  const out = new Map<string, ReturnType<typeof parseRssItem>>();
  for (const raw of items) {
    const r = parseRssItem(raw);
    if (r.ok) out.set(r.entry.id, r);
  }
  return out;
}

describe('real dc:creator lists', () => {
  const items = fixtureItems();
  const authors = (id: string) => {
    const r = items.get(id);
    if (!r?.ok) throw new Error(`no item ${id}`);
    return r.entry.authors;
  };

  it('keeps affiliations with commas inside one author, then drops them', () => {
    expect(authors('2605.10035')).toEqual([
      'Haojie Rao', 'Kun Li', 'Yida Xiong', 'Jiameng Chen', 'Wenbin Hu', 'Yizhen Zheng', 'Jiajun Yu', 'Duanhua Cao',
    ]);
    // "Texas A&amp;M University, College Station, USA": entity decoded by the XML parser, affiliation dropped.
    expect(authors('2507.13625')).toEqual(['Yuxin Zhang', 'Xi Wang', 'Mo Hu', 'Zhenyu Zhang']);
  });

  it('decodes TeX accents and letters in names', () => {
    expect(authors('2605.10169').at(-1)).toBe('Đorđe Žikelić');
    expect(authors('2605.08300')).toEqual(['Abdulvahap Mutlu', 'Şengül Doğan', 'Türker Tuncer']);
    expect(authors('2605.06918')).toContain('Rafał Kucharski');
  });

  it('drops a leading "and", names with no letter and nicknames in parentheses', () => {
    expect(authors('2604.11734').at(-1)).toBe('Jun Ma');
    expect(authors('2605.11405').slice(0, 3)).toEqual(['DatologyAI', 'Siddharth Joshi', 'Haoli Yin']);
    expect(authors('2605.11868')).toEqual(['Chia-Pei', 'Chen', 'Kentaroh Toyoda', 'Anita Lai', 'Alex Leung']);
    expect(authors('2605.08572').slice(0, 4)).toEqual(['Alen Mrdovic', 'Qingze', 'Liu', 'Danrui Li']);
  });

  it('never leaves a parenthesis, a backslash or a brace in any name of the file', () => {
    expect(items.size).toBe(12);
    for (const r of items.values()) if (r.ok) for (const a of r.entry.authors) expect(a, r.entry.id).not.toMatch(/[()\\{}]/);
  });
});

describe('the names the issue quotes', () => {
  it('reads them', () => {
    expect(splitCreatorList('Jacques Saraydaryan (CPE, CHROMA), Fabrice Jumel (CPE, CHROMA), Olivier Simonin (INSA Lyon)')).toEqual([
      'Jacques Saraydaryan',
      'Fabrice Jumel',
      'Olivier Simonin',
    ]);
    expect(cleanAuthors(['Jón Gu{\\dh}jónsson', '{\\TH}orsteinn {\\TH}orsteinsson', 'Novak {\\DJ}oković', 'G-SCOP\\_GROG'])).toEqual([
      'Jón Guðjónsson',
      'Þorsteinn Þorsteinsson',
      'Novak Đoković',
      'G-SCOP_GROG',
    ]);
  });

  it('decodes the accent forms the old hand-written decoder knew, with the library', () => {
    const cases: [string, string][] = [
      ['Karolina Dro\\.zd\\.z', 'Karolina Drożdż'],
      ["Cl\\'audia Oliveira", 'Cláudia Oliveira'],
      ["\\'Alvaro Figueira", 'Álvaro Figueira'],
      ['Breno Bernard Nicolau de Fran\\c{c}a', 'Breno Bernard Nicolau de França'],
      ['Kristina \\v{S}ekrst', 'Kristina Šekrst'],
      ['Sebastian M\\"oller', 'Sebastian Möller'],
      ['Daniele Giofr\\`e', 'Daniele Giofrè'],
      ['Felix Bie{\\ss}mann', 'Felix Bießmann'],
      ["Jos\\'{e} {\\'E}mile", 'José Émile'],
      ["\\'{\\i}ñigo", 'íñigo'],
      ['S\\o ren {\\AA}sa', 'Søren Åsa'],
      ['{\\L}ukasz D\\k{e}bowski', 'Łukasz Dębowski'],
      ['no accents at all', 'no accents at all'],
    ];
    for (const [tex, text] of cases) expect(cleanAuthorName(tex), tex).toBe(text);
  });
});

describe('repairing lists stored by older versions', () => {
  it('joins fragments split inside parentheses, and leaves a never-closed one as it was', () => {
    expect(cleanAuthors(['Jacques Saraydaryan (CPE', ' CHROMA)', 'Ada Lovelace'])).toEqual(['Jacques Saraydaryan', 'Ada Lovelace']);
    expect(cleanAuthors(['A (Lab', 'B', 'C'])).toEqual(['A', 'B', 'C']);
    expect(cleanAuthors(['Gu{\\dh}jónsson', ' and Jun Ma', ':', ''])).toEqual(['Guðjónsson', 'Jun Ma']);
  });

  // Names as arXiv writes them: words, TeX accents and letters, affiliations with commas, "and", stray punctuation.
  const piece = fc.oneof(
    fc.stringMatching(/^[A-Z][a-z]{1,8}$/),
    fc.constantFrom("\\'e", '{\\"o}', '\\v{S}', '{\\ss}', '{\\DJ}', 'Gu{\\dh}', '\\c{c}', '{\\L}', 'A.', '-'),
  );
  const name = fc
    .tuple(fc.array(piece, { minLength: 1, maxLength: 3 }), fc.array(piece, { minLength: 1, maxLength: 2 }), fc.option(fc.constantFrom(' (Univ. X, Lab Y)', ' (CPE, CHROMA)', ' (Tony)'), { nil: '' }))
    .map(([first, last, aff]) => `${first.join('')} ${last.join('')}${aff}`);
  const list = fc.array(fc.oneof({ weight: 8, arbitrary: name }, fc.constantFrom(':', ' and Jun Ma', '')), { maxLength: 8 });

  it('is idempotent on real-shaped lists, and a list split on every comma reads the same as the whole', () => {
    fc.assert(
      fc.property(list, (names) => {
        const once = cleanAuthors(names);
        expect(cleanAuthors(once)).toEqual(once);
        // What an older version stored (split on every comma) is repaired to what we read today.
        expect(cleanAuthors(names.join(',').split(','))).toEqual(splitCreatorList(names.join(',')));
        for (const n of once) expect(n).toMatch(/^[^()\\{}]*\p{L}[^()\\{}]*$/u);
      }),
      { numRuns: 1000 },
    );
  });

  it('takes any text without throwing and returns only names with a letter', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 30 }), { maxLength: 6 }), (names) => {
        for (const n of cleanAuthors(names)) expect(n).toMatch(/\p{L}/u);
      }),
      { numRuns: 500 },
    );
  });
});
