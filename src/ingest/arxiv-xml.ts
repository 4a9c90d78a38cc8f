// Reading arXiv's XML (RSS 2.0 listings and the Atom API) with fast-xml-parser. TeX in the text it holds is
// read by lib/tex.ts. Invariant: no regular expression ever parses XML here.
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
