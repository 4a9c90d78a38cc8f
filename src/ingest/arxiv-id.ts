// arXiv identifiers: strip the version, accept URLs and "arXiv:" prefixes, keep old-style ids (hep-th/9901001).
const NEW_STYLE = /^(\d{4}\.\d{4,5})(v\d+)?$/;
const OLD_STYLE = /^([a-z-]+(?:\.[A-Z]{2})?\/\d{7})(v\d+)?$/;

/** Returns the versionless arXiv id, or null when the text is not an arXiv id. */
export function normalizeArxivId(raw: string): string | null {
  let s = raw.trim();
  s = s.replace(/^arxiv:/i, '');
  const url = s.match(/arxiv\.org\/(?:abs|pdf|html)\/(.+?)(?:\.pdf)?(?:[?#].*)?$/i);
  if (url) s = url[1]!;
  s = s.replace(/\/+$/, '');
  const m = s.match(NEW_STYLE) ?? s.match(OLD_STYLE);
  return m ? m[1]! : null;
}

export function arxivAbsUrl(id: string): string {
  return `https://arxiv.org/abs/${id}`;
}

export function arxivPdfUrl(id: string): string {
  return `https://arxiv.org/pdf/${id}`;
}
