// Author names as a reader wants them: one name per author, no affiliations, TeX accents decoded (lib/tex).
// Used at ingest (every source) and again when a card is shown, so lists stored by older versions read right.
// Invariant: cleaning a clean list returns it unchanged.
import { plainText } from './tex.js';

/**
 * Cleans a list of author names. Fragments of a list that was split on every comma, even inside parentheses
 * ("Jacques Saraydaryan (CPE", "CHROMA)"), are joined back first; then each name loses its parenthesised
 * affiliation (the arXiv API and Hugging Face give names without one, so all sources agree), its TeX, a leading
 * "and", and names with no letter at all (":" in "DatologyAI, :, …") are dropped.
 */
export function cleanAuthors(names: readonly string[]): string[] {
  return rejoin(names)
    .map(cleanAuthorName)
    .filter((n): n is string => n !== null);
}

/** arXiv RSS gives the whole list in one dc:creator: "A (Lab, Univ), B, and C". */
export function splitCreatorList(list: string): string[] {
  return cleanAuthors(list.split(','));
}

function depthChange(s: string): number {
  let d = 0;
  for (const c of s) d += c === '(' ? 1 : c === ')' ? -1 : 0;
  return d;
}

/** Joins comma-split fragments while a parenthesis is open; a parenthesis never closed leaves them as they were. */
function rejoin(parts: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    let name = parts[i]!;
    let depth = depthChange(name);
    let j = i;
    while (depth > 0 && j + 1 < parts.length) {
      j++;
      name += `,${parts[j]}`;
      depth += depthChange(parts[j]!);
    }
    if (depth > 0 && j > i) {
      out.push(parts[i]!);
      continue;
    }
    out.push(name);
    i = j;
  }
  return out;
}

export function cleanAuthorName(raw: string): string | null {
  let s = raw;
  if (s.includes('(') || s.includes(')')) {
    // Innermost parentheses first, so nested ones go too; an unclosed one cuts the rest.
    for (let prev = ''; prev !== s; ) {
      prev = s;
      s = s.replace(/\s*\([^()]*\)/g, ' ');
    }
    s = s.replace(/\s*\(.*$/, '').replace(/\)/g, ' ');
  }
  const name = plainText(s)
    // A brace left over (unpaired in the source) is never part of a name.
    .replace(/[{}]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/^and\s+/i, '')
    .replace(/^[\s,;:]+|[\s,;:]+$/g, '');
  return /\p{L}/u.test(name) ? name : null;
}
