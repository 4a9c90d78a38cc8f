// Text with the few marks a paper title or abstract needs (bold, italic, math kept as source), and its three
// renderings: plain, escaped HTML, and cut to a length. Invariant: HTML output escapes every character of text.

/** A run of text with the marks HTML can show. `source` is math kept as TeX between `$…$`: never cut inside. */
export interface TexSpan {
  text: string;
  bold?: true;
  italic?: true;
  source?: true;
}
export type RichText = readonly TexSpan[];

export function richPlain(rich: RichText): string {
  return rich.map((s) => s.text).join('');
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** Escaped HTML: bold as <strong>, italic as <em>, nothing else. */
export function richHtml(rich: RichText): string {
  return rich
    .map((s) => {
      let h = esc(s.text);
      if (s.italic) h = `<em>${h}</em>`;
      if (s.bold) h = `<strong>${h}</strong>`;
      return h;
    })
    .join('');
}

/**
 * Cuts at a word boundary to at most `max` characters plus "…", never inside kept math source (its `$` would
 * be left unpaired) nor inside a surrogate pair.
 */
export function trimRich(rich: RichText, max: number): RichText {
  const plain = richPlain(rich);
  if (plain.length <= max) return rich;
  const cut = plain.slice(0, max);
  const space = cut.lastIndexOf(' ');
  let at = space > max * 0.6 ? space : max;
  let offset = 0;
  for (const s of rich) {
    if (s.source && at > offset && at < offset + s.text.length) at = offset;
    offset += s.text.length;
  }
  if (/[\uDC00-\uDFFF]/.test(plain[at] ?? '')) at--;
  const out: TexSpan[] = [];
  offset = 0;
  for (const s of rich) {
    if (offset >= at) break;
    out.push({ ...s, text: s.text.slice(0, at - offset) });
    offset += s.text.length;
  }
  // Drop trailing punctuation and spaces, then the spans they emptied.
  while (out.length) {
    const last = out[out.length - 1]!;
    last.text = last.source ? last.text : last.text.replace(/[\s,.;:]+$/, '');
    if (last.text) break;
    out.pop();
  }
  out.push({ text: '…' });
  return out;
}
