// Reading the papers a reader already likes (pure): a pasted list of arXiv ids or URLs, a BibTeX file, or a Zotero /
// CSL-JSON export → arXiv ids (or DOIs for papers not on arXiv) with the title and abstract the file gives. Invariant:
// one bad entry never sinks the file: it is reported with its reason and the others are read.
import { parse as parseBibtexLibrary } from '@retorquere/bibtex-parser';
import { z } from 'zod';
import { normalizeArxivId } from '../ingest/arxiv-id.js';
import { plainText } from '../lib/tex.js';

export type ImportFormat = 'list' | 'bibtex' | 'csl-json';

export interface ImportedPaper {
  /** Versionless arXiv id, or "doi:<doi in lower case>" for a paper not on arXiv. */
  paperId: string;
  title: string | null;
  abstract: string | null;
}

export interface ImportResult {
  format: ImportFormat;
  papers: ImportedPaper[];
  /** Entries that gave nothing usable: where they were and why. */
  skipped: { where: string; reason: string }[];
}

/** Longest title and abstract kept from a file (a real abstract is under 2,000 characters). */
const MAX_TITLE = 500;
const MAX_ABSTRACT = 3000;
/** Entries read from one file at most (a profile holds far fewer: MAX_PROFILE_PAPERS). */
export const MAX_IMPORT_ENTRIES = 2000;

// "arXiv:2401.12345v2", "arXiv preprint arXiv:2401.12345", arxiv.org/abs|pdf|html/…, the arXiv DOI 10.48550/arXiv.…
const ARXIV_IN_TEXT = [
  /arxiv\.org\/(?:abs|pdf|html)\/([a-z-]+(?:\.[A-Z]{2})?\/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?/i,
  /10\.48550\/arxiv\.([a-z-]+(?:\.[A-Z]{2})?\/\d{7}|\d{4}\.\d{4,5})/i,
  /arxiv:\s*([a-z-]+(?:\.[A-Z]{2})?\/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?/i,
];

/** The arXiv id a free-text field names, if any. */
export function arxivIdIn(text: string | null | undefined): string | null {
  if (!text) return null;
  for (const re of ARXIV_IN_TEXT) {
    const m = re.exec(text);
    if (m) {
      const id = normalizeArxivId(m[1]!);
      if (id) return id;
    }
  }
  return null;
}

/** A DOI as written in a field or a doi.org URL, in lower case (DOIs are case-insensitive), or null. */
export function doiIn(text: string | null | undefined): string | null {
  const m = text ? /\b(10\.\d{4,9}\/[^\s"<>]+)/.exec(text) : null;
  return m ? m[1]!.replace(/[.,;]+$/, '').toLowerCase() : null;
}

/** Folded whitespace, composed Unicode (the BibTeX parser writes "ö" as o + a combining mark), at most `max`. */
function clip(s: string | null | undefined, max: number): string | null {
  const t = s?.normalize('NFC').replace(/\s+/g, ' ').trim();
  return t ? (t.length > max ? `${t.slice(0, max - 1)}…` : t) : null;
}

/** One paper from what an entry says: an arXiv id anywhere in its id-bearing fields, else its DOI (with a title). */
function paperFrom(idFields: (string | null | undefined)[], doiField: string | null | undefined, title: string | null, abstract: string | null): ImportedPaper | string {
  const doi = doiIn(doiField);
  // An arXiv DOI names the arXiv paper itself.
  const arxiv = idFields.map(arxivIdIn).find(Boolean) ?? arxivIdIn(doiField);
  if (arxiv) return { paperId: arxiv, title, abstract };
  if (doi) return title ? { paperId: `doi:${doi}`, title, abstract } : 'a DOI without a title: nothing to compare papers with';
  return 'no arXiv id or DOI';
}

/** One arXiv id or URL per line (blank lines and lines starting with # are ignored). */
export function parseIdList(text: string): ImportResult {
  const papers: ImportedPaper[] = [];
  const skipped: ImportResult['skipped'] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const id = normalizeArxivId(line) ?? arxivIdIn(line);
    if (!id) skipped.push({ where: `line ${i + 1}`, reason: `not an arXiv id or URL: ${line.slice(0, 80)}` });
    else if (!seen.has(id)) {
      seen.add(id);
      papers.push({ paperId: id, title: null, abstract: null });
    }
  });
  return { format: 'list', papers: papers.slice(0, MAX_IMPORT_ENTRIES), skipped };
}

/**
 * Abstracts are taken out before the BibTeX parser sees the file and read with lib/tex.ts instead: the parser's TeX
 * reading costs about 10 ms per 600-character abstract (a 500-entry library would hold a request for seconds), while
 * lib/tex.ts only parses the words that hold TeX. Each abstract value becomes a placeholder the parser keeps as is.
 */
function liftAbstracts(text: string): { text: string; abstracts: string[] } {
  const abstracts: string[] = [];
  let out = '';
  let at = 0;
  const field = /([,{\s])abstract\s*=\s*/gi;
  for (let m = field.exec(text); m; m = field.exec(text)) {
    const start = m.index + m[0].length;
    const open = text[start];
    let end = -1;
    if (open === '{') {
      for (let i = start, depth = 0; i < text.length; i++) {
        const c = text[i];
        if (c === '\\') i++;
        else if (c === '{') depth++;
        else if (c === '}' && --depth === 0) {
          end = i + 1;
          break;
        }
      }
    } else if (open === '"') {
      for (let i = start + 1, depth = 0; i < text.length; i++) {
        const c = text[i];
        if (c === '\\') i++;
        else if (c === '{') depth++;
        else if (c === '}') depth--;
        else if (c === '"' && depth === 0) {
          end = i + 1;
          break;
        }
      }
    }
    if (end < 0) continue; // not a braced or quoted value (a macro, or broken): the parser reports it
    out += `${text.slice(at, start)}{ABSTRACT${abstracts.length}}`;
    abstracts.push(text.slice(start + 1, end - 1));
    at = end;
    field.lastIndex = end;
  }
  return { text: out + text.slice(at), abstracts };
}

export function parseBibtex(text: string): ImportResult {
  const lifted = liftAbstracts(text);
  // english: false keeps titles as written (no sentence-casing); unknown macros become nothing instead of an error.
  const lib = parseBibtexLibrary(lifted.text, { english: false, unsupported: 'ignore' });
  const papers: ImportedPaper[] = [];
  const skipped: ImportResult['skipped'] = lib.errors.map((e) => ({
    where: `near “${(e.input ?? '').replace(/\s+/g, ' ').trim().slice(0, 40)}”`,
    reason: e.error.replace(/\s+/g, ' ').slice(0, 160),
  }));
  const seen = new Set<string>();
  for (const e of lib.entries.slice(0, MAX_IMPORT_ENTRIES)) {
    const f = e.fields as Record<string, unknown>;
    const str = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : undefined);
    if (!Object.keys(f).length) continue; // an entry the parser could not read: already among the errors
    const placeholder = /^ABSTRACT(\d+)$/.exec(str('abstract')?.trim() ?? '');
    const abstract = placeholder ? clip(plainText(lifted.abstracts[Number(placeholder[1])] ?? ''), MAX_ABSTRACT) : clip(str('abstract'), MAX_ABSTRACT);
    const eprintType = (str('archiveprefix') ?? str('eprinttype') ?? '').toLowerCase();
    const eprint = str('eprint');
    // An eprint without a type is read as arXiv only when it looks like an arXiv id.
    const eprintId = eprint && (eprintType === 'arxiv' || eprintType === '') ? normalizeArxivId(eprint) : null;
    const found = eprintId
      ? { paperId: eprintId, title: clip(str('title'), MAX_TITLE), abstract }
      : paperFrom(
          [str('arxivid'), str('arxiv'), str('url'), str('note'), str('journal'), str('journaltitle'), str('howpublished'), str('number')],
          str('doi'),
          clip(str('title'), MAX_TITLE),
          abstract,
        );
    if (typeof found === 'string') skipped.push({ where: `@${e.type}{${e.key}}`, reason: found });
    else if (!seen.has(found.paperId)) {
      seen.add(found.paperId);
      papers.push(found);
    }
  }
  return { format: 'bibtex', papers, skipped };
}

// CSL-JSON as Zotero, Mendeley and citation.js export it: an array of items. Values we read may come as numbers.
const cslText = z.union([z.string(), z.number().transform(String)]).optional();
const cslItem = z.looseObject({
  id: cslText,
  title: cslText,
  abstract: cslText,
  DOI: cslText,
  URL: cslText,
  number: cslText,
  note: cslText,
  archive: cslText,
  archive_location: cslText,
  'container-title': cslText,
});

export function parseCslJson(text: string): ImportResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { format: 'csl-json', papers: [], skipped: [{ where: 'file', reason: `not JSON: ${(err as Error).message.slice(0, 120)}` }] };
  }
  // Some tools wrap the array: { "items": [...] }.
  const items = Array.isArray(data) ? data : data && typeof data === 'object' && Array.isArray((data as { items?: unknown }).items) ? (data as { items: unknown[] }).items : null;
  if (!items) return { format: 'csl-json', papers: [], skipped: [{ where: 'file', reason: 'not a CSL-JSON export (an array of items)' }] };
  const papers: ImportedPaper[] = [];
  const skipped: ImportResult['skipped'] = [];
  const seen = new Set<string>();
  items.slice(0, MAX_IMPORT_ENTRIES).forEach((raw, i) => {
    const parsed = cslItem.safeParse(raw);
    const where = `item ${i + 1}`;
    if (!parsed.success) return void skipped.push({ where, reason: parsed.error.issues.map((x) => `${x.path.join('.') || 'item'}: ${x.message}`).join('; ').slice(0, 160) });
    const it = parsed.data;
    // CSL titles and abstracts may carry a little HTML (<i>, <sup>): kept as text.
    const title = clip(it.title?.replace(/<[^>]+>/g, ''), MAX_TITLE);
    const abstract = clip(it.abstract?.replace(/<[^>]+>/g, ''), MAX_ABSTRACT);
    const found = paperFrom([it.URL, it.number, it.archive_location, it.note, it['container-title'], it.id], it.DOI, title, abstract);
    if (typeof found === 'string') skipped.push({ where: `${where}${it.title ? ` (“${it.title.slice(0, 40)}”)` : ''}`, reason: found });
    else if (!seen.has(found.paperId)) {
      seen.add(found.paperId);
      papers.push(found);
    }
  });
  return { format: 'csl-json', papers, skipped };
}

/** A file by its name, else by its first character: .bib → BibTeX, .json or "[" / "{" → CSL-JSON. */
export function parseLibraryFile(fileName: string, text: string): ImportResult {
  const name = fileName.toLowerCase();
  const body = text.replace(/^\uFEFF/, '');
  if (name.endsWith('.json') || name.endsWith('.csljson')) return parseCslJson(body);
  if (name.endsWith('.bib') || name.endsWith('.bibtex') || name.endsWith('.biblatex')) return parseBibtex(body);
  const first = body.trimStart()[0];
  return first === '[' || first === '{' ? parseCslJson(body) : parseBibtex(body);
}
