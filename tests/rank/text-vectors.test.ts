// Paper text as numbers: the word scan equals the regular expression it replaces on any text (property test), and a
// paper's vector in a term space is the same whether its terms were counted with count or countKnown.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildTermSpace, createTerms, forEachWord } from '../../src/rank/text-vectors.js';

const bySplit = (text: string) => text.split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
const byScan = (text: string) => {
  const out: string[] = [];
  forEachWord(text, (w) => out.push(w));
  return out;
};

describe('forEachWord', () => {
  it('gives the runs of letters and digits of any script, as split(/[^\\p{L}\\p{N}]+/u) does', () => {
    const samples = [
      '', '  ', 'Large Language Models (LLMs) are 3x faster!', 'café naïve Ærø', 'Σύγχρονα μοντέλα', '日本語のテキスト処理',
      'x²+y² = z²; ½ ⅓', 'emoji 😀 between', '𝐁𝐨𝐥𝐝 math letters 𝟙𝟚', 'lone \uD800 surrogate \uDC00 here', 'tab\tnew\nline-dash_underscore',
    ];
    for (const s of samples) expect(byScan(s), s).toEqual(bySplit(s));
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
      expect(byScan(s)).toEqual(bySplit(s));
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
      expect(byScan(s)).toEqual(bySplit(s));
    }), { numRuns: 2000 });
  });
});

describe('createTerms', () => {
  const docs = [
    { id: 'a', title: 'Machine translation with large language models', abstract: 'We translate text between languages with language models.', categories: ['cs.CL'] },
    { id: 'b', title: 'Image segmentation with diffusion models', abstract: 'Pixels, images and segmentation masks from diffusion.', keywords: ['segmentation'], categories: ['cs.CV', 'cs.LG'] },
  ];

  it('counts stems, adjacent pairs and categories with their weights', () => {
    const terms = createTerms();
    const a = terms.count({ id: 'x', title: 'Language models', abstract: 'language models model languages', categories: ['cs.CL', 'cs.AI'] });
    // Stems "languag" and "model" (title 3 + abstract 2 each), the pair "languag model" (title 3 + abstract 1), the pairs
    // "model model" and "model languag" (1 each), and two categories (primary 5, cross-list 2.5).
    expect([...a.values()].sort((x, y) => x - y)).toEqual([1, 1, 2.5, 4, 5, 5, 5]);
  });

  it('gives a paper the same vector through countKnown as through count, and leaves unknown pairs unnumbered', () => {
    const terms = createTerms();
    const space = buildTermSpace(docs.map((d) => terms.count(d)));
    const profile = { id: 'p', title: 'Segmentation of images with language models', abstract: 'Masks from a translation of pixels, quantum chromodynamics.', categories: ['cs.CV'] };
    const known = terms.countKnown(profile);
    const full = createTerms();
    const fullSpace = buildTermSpace(docs.map((d) => full.count(d)));
    expect(space.vector(known)).toEqual(fullSpace.vector(full.count(profile)));
    // "quantum chromodynamics" is a pair no document had: countKnown leaves it out, count numbers it.
    expect(known.size).toBeLessThan(full.count(profile).size);
    expect(space.vector(known).idx.length).toBeGreaterThan(0);
  });
});
