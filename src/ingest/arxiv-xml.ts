// Reading arXiv's XML (RSS 2.0 listings and the Atom API) with fast-xml-parser, plus the small text fixes
// arXiv metadata needs (TeX accents in author names). Invariant: no regular expression ever parses XML here.
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';

// Elements that may repeat are always arrays, so one item, one author or one link reads like many.
const ARRAY_PATHS = new Set([
  'rss.channel.item',
  'rss.channel.item.category',
  'rss.channel.item.dc:creator',
  'feed.entry',
  'feed.entry.link',
  'feed.entry.category',
  'feed.entry.author',
]);

export function createArxivXmlParser(): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    // Keep every value a string: "2401.12340" read as a number would lose its last digit.
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    htmlEntities: false,
    isArray: (_name, jpath) => ARRAY_PATHS.has(String(jpath)),
  });
}

/** An element's text: a plain string, or the #text of an element that also carries attributes. */
export const xmlText = z.union([z.string(), z.object({ '#text': z.string() }).transform((o) => o['#text'])]);

const ACCENTS: Record<string, string> = {
  "'": '\u0301', '`': '\u0300', '^': '\u0302', '"': '\u0308', '~': '\u0303', '=': '\u0304', '.': '\u0307',
  u: '\u0306', v: '\u030C', H: '\u030B', c: '\u0327', k: '\u0328', r: '\u030A',
};
const LETTERS: Record<string, string> = {
  ss: 'ß', aa: 'å', AA: 'Å', ae: 'æ', AE: 'Æ', oe: 'œ', OE: 'Œ', o: 'ø', O: 'Ø', l: 'ł', L: 'Ł', i: 'ı',
};

/**
 * arXiv keeps author names as the submitter typed them, TeX accents included ("Dro\.zd\.z", "Fran\c{c}a",
 * "Bie{\ss}mann"). Turns the common accents and letters into Unicode; anything else is left as written.
 * As in TeX, a space after an unbraced letter command ends it ("S\o ren" is "Søren").
 */
export function decodeTexAccents(s: string): string {
  if (!s.includes('\\')) return s;
  return s
    .replace(/\{?\\(['`^"~=.])\s*(?:\{\\?([A-Za-z])\}|\\?([A-Za-z]))\}?/g, (_m, a: string, b?: string, c?: string) => `${b ?? c}${ACCENTS[a]}`)
    .replace(/\{?\\([uvHckr])(?:\{\\?([A-Za-z])\}|\s+\\?([A-Za-z]))\}?/g, (_m, a: string, b?: string, c?: string) => `${b ?? c}${ACCENTS[a]}`)
    .replace(/\{\\(ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i)\}|\\(ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i)(?![A-Za-z])(?:\{\}| )?/g, (_m, a?: string, b?: string) => LETTERS[(a ?? b)!]!)
    .normalize('NFC');
}
