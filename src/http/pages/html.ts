// A tiny escaping template tag for server-rendered pages: interpolations are escaped unless wrapped in raw().
// Invariant: user text reaches the page only through html`` (escaped), never by string concatenation.
import { escapeHtml } from '../../lib/escape-html.js';

export { escapeHtml };

export class Raw {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

export const raw = (s: string) => new Raw(s);

function render(v: unknown): string {
  if (v instanceof Raw) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new Raw(out);
}
