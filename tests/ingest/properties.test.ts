// Property tests (fast-check): arXiv id normalization, and item validators that never throw on any input —
// including a whole HF batch of random JSON served over HTTP, which must never throw past the batch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizeArxivId } from '../../src/ingest/arxiv-id.js';
import { parseHfItem } from '../../src/ingest/hf-item.js';
import { foldWhitespace } from '../../src/ingest/item-text.js';
import { parseRssItem } from '../../src/ingest/arxiv-rss-item.js';
import { parseAtomEntry } from '../../src/ingest/arxiv-atom-entry.js';
import { plainText } from '../../src/lib/tex.js';
import { hfFixture, send, startIngestHarness, type IngestHarness } from './harness.js';

const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
const newStyleId = fc.tuple(digits(4), fc.oneof(digits(4), digits(5))).map(([a, b]) => `${a}.${b}`);
const oldStyleId = fc
  .tuple(fc.constantFrom('hep-th', 'hep-ph', 'nucl-ex', 'cond-mat', 'math', 'astro-ph', 'q-alg', 'math.GT', 'cs.AI'), digits(7))
  .map(([a, n]) => `${a}/${n}`);
const anyId = fc.oneof(newStyleId, oldStyleId);
const version = fc.option(fc.integer({ min: 1, max: 99 }).map((v) => `v${v}`), { nil: '' });
const spaces = fc.constantFrom('', ' ', '\t', '\n ');

describe('normalizeArxivId', () => {
  it('reduces every spelling of an id (version, arXiv: prefix, abs/pdf/html URL, whitespace) to the bare id', () => {
    fc.assert(
      fc.property(anyId, version, spaces, spaces, fc.nat(6), (id, v, pre, post, form) => {
        const spelled = [
          `${id}${v}`,
          `arXiv:${id}${v}`,
          `ARXIV:${id}${v}`,
          `https://arxiv.org/abs/${id}${v}`,
          `http://export.arxiv.org/abs/${id}${v}`,
          `https://arxiv.org/pdf/${id}${v}.pdf`,
          `https://arxiv.org/html/${id}${v}?context=cs#sec1`,
        ][form]!;
        expect(normalizeArxivId(`${pre}${spelled}${post}`)).toBe(id);
      }),
    );
  });

  it('is idempotent and never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), anyId.map((id) => `${id}v2`)), (s) => {
        const once = normalizeArxivId(s);
        if (once !== null) expect(normalizeArxivId(once)).toBe(once);
      }),
    );
  });

  it('rejects what is not an arXiv id', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !/\d{4}\.\d{4,5}|\/\d{7}/.test(s)), (s) => {
        expect(normalizeArxivId(s)).toBeNull();
      }),
    );
  });
});

describe('item validators never throw', () => {
  it('parseHfItem, parseRssItem and parseAtomEntry return ok or a reason for any value', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true, withBoxedValues: true }), (raw) => {
        for (const parse of [parseHfItem, parseRssItem, parseAtomEntry]) {
          const r = parse(raw);
          if (!r.ok) expect(typeof r.reason).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a real HF item keeps validating whatever happens to its optional fields', () => {
    const items = hfFixture('2026-08-18');
    fc.assert(
      fc.property(fc.nat(items.length - 1), fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.string()), (i, noise, drop) => {
        const item = structuredClone(items[i]!) as Record<string, any>;
        // Replace or drop any field except the two the schema requires.
        for (const [k, v] of Object.entries(noise)) if (k !== 'paper') item[k] = v;
        for (const [k, v] of Object.entries(noise)) if (k !== 'id' && k !== 'title') item.paper[k] = v;
        for (const k of drop) if (k !== 'id' && k !== 'title') delete item.paper[k];
        const r = parseHfItem(item);
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.entry.id).toBe(items[i]!.paper.id);
      }),
      { numRuns: 200 },
    );
  });

  it('foldWhitespace folds exactly like replace(/\\s+/g, " ").trim()', () => {
    const ws = fc.constantFrom(' ', '  ', '\n', '\t', '\r\n', '\u00a0', '\u2009', '\u3000', '\ufeff', 'a', 'b', 'é');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.array(ws).map((a) => a.join(''))), (s) => {
        expect(foldWhitespace(s)).toBe(s.replace(/\s+/g, ' ').trim());
      }),
      { numRuns: 500 },
    );
  });

  it('plainText leaves text without TeX in it alone (whitespace folded)', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !/[\\${}]|``|''|(^|\s)--/.test(s)), (s) => {
        expect(plainText(s)).toBe(s.replace(/\s+/g, ' ').trim());
      }),
    );
  });
});

describe('a batch of random JSON served by the HF endpoint', () => {
  let h: IngestHarness;
  let body = '[]';
  beforeAll(async () => {
    h = await startIngestHarness({ SOURCES: 'hf', HF_DAYS: '1' });
    h.server.route('/api/daily_papers', (req, res) => send(req, res, body, 'application/json'));
  });
  afterAll(async () => {
    await h.close();
  });

  it('valid items land, the rest are skipped and counted; a day whose every item is rejected is a failed day', async () => {
    const real = hfFixture('2026-08-21');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.jsonValue(), fc.constantFrom(...real)), { maxLength: 30 }), async (items) => {
        body = JSON.stringify(items);
        const expectedValid = new Set(items.map((i) => parseHfItem(i)).flatMap((r) => (r.ok ? [r.entry.id] : [])));
        const [out] = await h.ingest();
        // One bad item never fails the day; a day of nothing but bad items does (the source changed its format).
        const rejected = items.length > 0 && expectedValid.size === 0;
        expect(out!.ok).toBe(!rejected);
        expect(out!.failures.map((f) => f.code)).toEqual(rejected ? ['SOURCE_PART_REJECTED'] : []);
        expect(out!.fetched).toBe(items.length);
        expect(out!.inserted + out!.updated + out!.unchanged).toBe(expectedValid.size);
        expect(out!.skipped).toBe(items.length - items.filter((i) => parseHfItem(i).ok).length);
      }),
      { numRuns: 25 },
    );
  });
});
