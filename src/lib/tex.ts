// TeX-flavoured paper text (arXiv titles, abstracts, author names) → readable Unicode with bold/italic marks.
// unified-latex parses the TeX, unicode2latex's tables map its macros; this module only walks the tree.
// Invariant: the output never holds a macro the tables can map, and math with no Unicode form is kept as its
// source between one pair of `$`; a `$` that is not a math delimiter (prices: "$60 GPUs") stays as written.
import { parse } from '@unified-latex/unified-latex-util-parse';
import { printRaw } from '@unified-latex/unified-latex-util-print-raw';
import type * as Ast from '@unified-latex/unified-latex-types';
import { combining, latex2unicode } from 'unicode2latex';
import { segments } from './tex-segments.js';
import { richPlain, trimRich, type RichText, type TexSpan } from './rich-text.js';

export { richHtml, richPlain, trimRich, type RichText, type TexSpan } from './rich-text.js';


// ---- the library's tables ---------------------------------------------------------------------------

type TableValue = string | { text?: string; math?: string };
const TABLE = latex2unicode as unknown as Readonly<Record<string, TableValue>>;
const COMBINING = combining as unknown as { macros: readonly string[]; tounicode: Record<string, string> };
/** Accent macros (\' \" \v \c … \tilde) → their combining mark, from unicode2latex's combining table. */
const ACCENT_MARKS = new Map(Object.entries(COMBINING.tounicode).filter(([, mark]) => /^\p{M}+$/u.test(mark)));
/** Accents the table names but gives no combining mark for (\hat reads "∧" there): never shown as a symbol. */
const MARKLESS_ACCENTS = new Set(COMBINING.macros.filter((m) => !ACCENT_MARKS.has(m)));

/** Characters plain text does without: controls, line/paragraph separators, zero-width space, BOM. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b\u2028\u2029\ufeff]/g;

function lookup(key: string, mode: Mode): string | undefined {
  const v = TABLE[key];
  if (v === undefined) return undefined;
  const text = typeof v === 'string' ? v : (mode === 'math' ? (v.math ?? v.text) : (v.text ?? v.math));
  // Some values carry one (\slash is "/" and a zero-width space, a break opportunity): left out, as from the input,
  // so that converting the output again gives the same text.
  return text?.replace(CONTROL, '');
}


/** The combining mark an accent macro puts on its argument: the combining table's, else a table value that is one. */
function accentMark(name: string, mode: Mode): string | undefined {
  const mark = ACCENT_MARKS.get(name) ?? lookup(`\\${name}`, mode);
  return mark !== undefined && /^\p{M}+$/u.test(mark) ? mark : undefined;
}

// ---- formatting commands: what they do to their argument, not which character they are ---------------

const BOLD = new Set(['textbf', 'mathbf', 'boldsymbol', 'bm', 'pmb', 'mathbfit']);
const ITALIC = new Set(['textit', 'emph', 'mathit', 'textsl', 'mathnormal']);
const PLAIN = new Set([
  'textrm', 'textsf', 'texttt', 'textsc', 'textnormal', 'textup', 'textmd', 'text', 'mathrm', 'mathsf', 'mathtt',
  'operatorname', 'mbox', 'hbox', 'fbox', 'underline', 'uline', 'url', 'nolinkurl', 'textcolor', 'colorbox',
]);
/** Math alphabets: one letter maps through the table (\mathbb{R} → ℝ); a word is shown as text. */
const ALPHABETS = new Set(['mathbb', 'mathcal', 'mathscr', 'mathfrak', 'mathbf', 'mathsf', 'mathtt', 'mathit', 'mathbfit', 'boldsymbol', 'bm']);
/** Unicode has one script alphabet; the tables file it under \mathscr. */
const ALPHABET_ALIAS: Readonly<Record<string, string>> = { mathcal: 'mathscr', boldsymbol: 'mathbf', bm: 'mathbf' };
/** Declarations that switch a mark on for the rest of their group: {\bf …}, {\em …}. */
const DECLARATIONS: Readonly<Record<string, 'bold' | 'italic' | 'plain'>> = {
  bf: 'bold', bfseries: 'bold', boldmath: 'bold', it: 'italic', itshape: 'italic', em: 'italic', sl: 'italic', slshape: 'italic',
  rm: 'plain', sf: 'plain', tt: 'plain', sc: 'plain', normalfont: 'plain', scshape: 'plain', rmfamily: 'plain', ttfamily: 'plain',
};
/** Layout macros that print nothing (sizes, spacing hints, \left/\right around a delimiter that does print). */
const SILENT = new Set([
  'left', 'right', 'middle', 'big', 'Big', 'bigg', 'Bigg', 'bigl', 'bigr', 'Bigl', 'Bigr', 'biggl', 'biggr', 'displaystyle', 'textstyle',
  'scriptstyle', 'limits', 'nolimits', 'relax', 'protect', 'noindent', 'xspace', 'hfill', 'centering', 'footnotesize', 'small', 'normalsize',
  'large', 'Large', '!', '/', '-', '@',
]);
/** Named operators (plain TeX's \log is \mathop{\rm log}): they print their own name. */
const OPERATORS = new Set([
  'log', 'ln', 'lg', 'exp', 'sin', 'cos', 'tan', 'cot', 'sec', 'csc', 'sinh', 'cosh', 'tanh', 'coth', 'arcsin', 'arccos', 'arctan',
  'arg', 'deg', 'det', 'dim', 'gcd', 'hom', 'inf', 'ker', 'lim', 'liminf', 'limsup', 'max', 'min', 'Pr', 'sup', 'argmax', 'argmin',
]);
/** Macros that break a line or stand for a space. */
const SPACES = new Set(['\\', 'newline', 'linebreak', 'quad', 'qquad', 'enspace', 'thinspace', ' ']);
/** Handled below; \href and \unicode are not listed: with a malformed argument they stay as written. */
const OWN = ['textsuperscript', 'textsubscript'];

/** Every control word the tables and the commands above turn into text (or nothing): none may survive. */
export const MAPPED_COMMANDS: ReadonlySet<string> = new Set(
  [
    ...Object.keys(TABLE).map((k) => /^\\([A-Za-z]+)$/.exec(k)?.[1]).filter((k) => !k || !MARKLESS_ACCENTS.has(k)),
    ...ACCENT_MARKS.keys(),
    ...[BOLD, ITALIC, PLAIN, ALPHABETS, SILENT, SPACES, OPERATORS].flatMap((set) => [...set]),
    ...Object.keys(DECLARATIONS),
    ...OWN,
  ].filter((k): k is string => !!k && /^[A-Za-z]+$/.test(k)),
);

// ---- walking the parsed tree ----------------------------------------------------------------------------

type Mode = 'text' | 'math';
interface Marks {
  bold: boolean;
  italic: boolean;
}

class Out {
  spans: TexSpan[] = [];
  /** False once something in math had no Unicode form and was kept as source. */
  complete = true;
  /**
   * True right after a kept control word (\ours): a letter pushed next, from whatever node it comes (a string, an
   * accent over f, a symbol), would join its name ("\b" + "f" reads "\bf"), so it gets TeX's separator `{}`.
   */
  controlWordOpen = false;
  push(text: string, marks: Marks, source = false): void {
    if (!text) return;
    if (this.controlWordOpen && /^[A-Za-z]/.test(text)) text = `{}${text}`;
    this.controlWordOpen = false;
    const last = this.spans[this.spans.length - 1];
    if (last && !last.source && !source && !!last.bold === marks.bold && !!last.italic === marks.italic) {
      last.text += text;
      return;
    }
    this.spans.push({ text, ...(marks.bold ? { bold: true as const } : {}), ...(marks.italic ? { italic: true as const } : {}), ...(source ? { source: true as const } : {}) });
  }
  append(other: Out): void {
    for (const s of other.spans) this.push(s.text, { bold: !!s.bold, italic: !!s.italic }, !!s.source);
    if (other.spans.length) this.controlWordOpen = other.controlWordOpen;
  }
  text(): string {
    return this.spans.map((s) => s.text).join('');
  }
}

const NO_MARKS: Marks = { bold: false, italic: false };
const MATH_ALPHANUMERIC = /^[\u{1D400}-\u{1D7FF}]$/u;

/** The walker over one parsed TeX word. Siblings are a queue: an accent or \unicode may take the next node. */
function walk(nodes: readonly Ast.Node[], mode: Mode, marks: Marks, out: Out): void {
  const queue = [...nodes];
  let m = marks;
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i]!;
    switch (n.type) {
      case 'string': {
        // The parser gives `` and '' as single characters: join them into TeX's quote ligatures (text only:
        // in math, f'' is a double prime).
        const next = queue[i + 1];
        if (mode === 'text' && (n.content === '`' || n.content === "'") && next?.type === 'string' && next.content === n.content) {
          out.push(lookup(n.content.repeat(2), 'text') ?? n.content.repeat(2), m);
          i++;
        } else out.push(n.content, m);
        break;
      }
      case 'whitespace':
      case 'parbreak':
        out.push(' ', m);
        break;
      case 'comment':
        break;
      case 'group':
        walk(n.content, mode, m, out);
        break;
      case 'inlinemath':
      case 'displaymath':
      case 'mathenv':
        math(n.content, m, out);
        break;
      case 'environment':
        walk(n.content, mode, m, out);
        break;
      case 'verb':
      case 'verbatim':
        out.push(n.content, m);
        break;
      case 'macro': {
        const declared = DECLARATIONS[n.content];
        if (declared && !n.args?.length) {
          m = { bold: declared === 'bold', italic: declared === 'italic' };
          if (queue[i + 1]?.type === 'whitespace') i++;
          break;
        }
        i = macro(n, queue, i, mode, m, out);
        break;
      }
      default:
        out.push(printRaw(n), m);
    }
  }
}

/** Math: shown as Unicode when every part has a form; otherwise its partly converted source between `$…$`. */
function math(nodes: readonly Ast.Node[], marks: Marks, out: Out): void {
  const inner = new Out();
  walk(nodes, 'math', marks, inner);
  if (inner.complete) out.append(inner);
  else out.push(`$${inner.text().trim()}$`, NO_MARKS, true);
}

/** The mandatory argument of a macro: its parsed one, else the next group, macro or first character. */
function takeArg(n: Ast.Macro, queue: Ast.Node[], i: number): { nodes: Ast.Node[]; next: number } | null {
  const args = (n.args ?? []).filter((a) => a.openMark === '{' || a.content.length > 0);
  if (args.length) return { nodes: args[args.length - 1]!.content, next: i };
  let j = i + 1;
  while (queue[j]?.type === 'whitespace') j++;
  const next = queue[j];
  if (!next) return null;
  if (next.type === 'group') return { nodes: next.content, next: j };
  if (next.type === 'macro' && !/^[\^_]$/.test(next.content)) return { nodes: [next], next: j };
  if (next.type === 'string' && next.content) {
    const chars = [...next.content];
    if (chars.length > 1) queue.splice(j + 1, 0, { type: 'string', content: chars.slice(1).join('') });
    return { nodes: [{ type: 'string', content: chars[0]! }], next: j };
  }
  return null;
}

function render(nodes: readonly Ast.Node[], mode: Mode, marks: Marks = NO_MARKS): Out {
  const o = new Out();
  walk(nodes, mode, marks, o);
  return o;
}

/** Handles one macro; returns the index of the last sibling it consumed. */
function macro(n: Ast.Macro, queue: Ast.Node[], i: number, mode: Mode, marks: Marks, out: Out): number {
  const name = n.content;

  // Super- and subscripts (math only: the parser reads ^ and _ as text elsewhere).
  if ((name === '^' || name === '_') && n.escapeToken === '') {
    const arg = takeArg(n, queue, i);
    if (!arg) {
      out.complete = false;
      out.push(name, marks);
      return i;
    }
    const inner = render(arg.nodes, 'math');
    const text = inner.text();
    const raw = printRaw(arg.nodes);
    const whole = inner.complete ? (lookup(`${name}{${text}}`, 'math') ?? lookup(`${name}${raw}`, 'math') ?? lookup(`${name}{${raw}}`, 'math')) : undefined;
    const each = inner.complete && !whole ? [...text].map((c) => (c === ' ' ? '' : lookup(`${name}{${c}}`, 'math'))) : [];
    if (whole) out.push(whole, marks);
    else if (each.length && each.every((c) => c !== undefined)) out.push(each.join(''), marks);
    else {
      out.complete = false;
      out.push([...text].length === 1 ? `${name}${text}` : `${name}{${text}}`, marks);
    }
    return arg.next;
  }

  if (BOLD.has(name) || ITALIC.has(name) || PLAIN.has(name) || ALPHABETS.has(name)) {
    const arg = takeArg(n, queue, i);
    if (!arg) return i;
    const innerMode: Mode = name.startsWith('text') || name === 'mbox' || name === 'hbox' || name === 'emph' ? 'text' : mode;
    const inner = render(arg.nodes, innerMode);
    const chars = [...inner.text()];
    if (ALPHABETS.has(name) && inner.complete && chars.length === 1) {
      const styled = lookup(`\\${name}{${chars[0]}}`, 'math') ?? lookup(`\\${ALPHABET_ALIAS[name] ?? name}{${chars[0]}}`, 'math');
      if (styled) {
        out.push(styled, marks);
        return arg.next;
      }
    }
    const m: Marks = { bold: marks.bold || BOLD.has(name), italic: marks.italic || ITALIC.has(name) };
    walk(arg.nodes, innerMode, m, out);
    return arg.next;
  }

  if (name === 'textsuperscript' || name === 'textsubscript') {
    const arg = takeArg(n, queue, i);
    if (!arg) return i;
    const text = render(arg.nodes, 'text').text();
    const op = name === 'textsuperscript' ? '^' : '_';
    const each = [...text].map((c) => lookup(`${op}{${c}}`, 'math'));
    out.push(each.every((c) => c !== undefined) ? each.join('') : text, marks);
    return arg.next;
  }

  if (name === 'href') {
    // \href{url}{text}: the reader sees the text.
    const args = (n.args ?? []).filter((a) => a.openMark === '{');
    if (args.length === 2) walk(args[1]!.content, mode, marks, out);
    else out.push(printRaw(n), marks);
    return i;
  }

  if (name === 'unicode') {
    // MathJax's \unicode{x2013} / \unicode{8211}: the code point itself.
    const arg = takeArg(n, queue, i);
    const code = arg ? printRaw(arg.nodes).trim() : '';
    const cp = /^x[0-9a-f]+$/i.test(code) ? parseInt(code.slice(1), 16) : /^\d+$/.test(code) ? Number(code) : NaN;
    if (arg && Number.isInteger(cp) && cp > 0x1f && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
      out.push(String.fromCodePoint(cp), marks);
      return arg.next;
    }
    return unknown(n, queue, i, mode, marks, out);
  }

  const accent = accentMark(name, mode);
  if (accent && !n.args?.some((a) => a.content.length)) {
    const arg = takeArg(n, queue, i);
    // An accent over nothing (at the end of the text) prints nothing.
    if (!arg) return i;
    {
      const raw = printRaw(arg.nodes);
      // The table's own composites first (\"{\i} → ï), then base letter + combining mark.
      const direct = lookup(`\\${name}{${raw}}`, mode) ?? lookup(`\\${name}${raw}`, mode);
      const inner = render(arg.nodes, mode);
      const base = [...inner.text()];
      if (direct && !/^\p{M}/u.test(direct)) out.push(direct, marks);
      else if (base.length && inner.complete) {
        const first = base[0] === 'ı' ? 'i' : base[0] === 'ȷ' ? 'j' : base[0]!;
        out.push(`${first}${accent}${base.slice(1).join('')}`.normalize('NFC'), marks);
      } else if (base.length) {
        // Over math that stays source: the mark follows it, so no accent macro is left behind.
        out.complete &&= inner.complete;
        out.push(`${inner.text()}${accent}`, marks);
      }
      return arg.next;
    }
  }

  if (SILENT.has(name)) return i;
  if (OPERATORS.has(name) && !n.args?.some((a) => a.content.length)) {
    // "\ln\ln n" reads "ln ln n": a space before whatever letter or operator follows.
    const next = queue[i + 1];
    const spaced = (next?.type === 'string' && /^\p{L}/u.test(next.content)) || (next?.type === 'macro' && /^[A-Za-z]+$/.test(next.content));
    out.push(spaced ? `${name} ` : name, marks);
    return i;
  }
  if (SPACES.has(name) || /^\s$/.test(name)) {
    out.push(' ', marks);
    return i;
  }

  const symbol = MARKLESS_ACCENTS.has(name) ? undefined : lookup(`\\${name}`, mode);
  const optional = n.args?.some((a) => a.openMark === '[' && a.content.length);
  if (symbol !== undefined && !optional && !/^\p{M}+$/u.test(symbol)) {
    // \mu is 𝜇 in the table (math italic); a reader wants μ. Styled letters come from \mathbf{…} and kin.
    out.push(MATH_ALPHANUMERIC.test(symbol) ? symbol.normalize('NFKC') : symbol, marks);
    for (const a of (n.args ?? []).filter((x) => x.content.length)) {
      const inner = render(a.content, mode, marks);
      const wrap = [...inner.text()].length > 1;
      out.complete &&= inner.complete;
      if (wrap) out.push('(', marks);
      out.append(inner);
      if (wrap) out.push(')', marks);
    }
    // Inside a word, TeX's space after a control word only ends the name: "S\o ren" is "Søren".
    const before = queue[i - 1];
    const after = queue[i + 2];
    if (mode === 'text' && /^[A-Za-z]+$/.test(name) && before?.type === 'string' && /\p{L}$/u.test(before.content) && queue[i + 1]?.type === 'whitespace' && after?.type === 'string' && /^\p{L}/u.test(after.content))
      return i + 1;
    return i;
  }
  return unknown(n, queue, i, mode, marks, out);
}

/**
 * A macro with no Unicode form (\calE, \ours, \frac): kept as written, its arguments converted. Brace groups
 * right after it are its arguments too (the parser knows no signature for it): \citep{key} keeps its braces.
 */
function unknown(n: Ast.Macro, queue: Ast.Node[], i: number, mode: Mode, marks: Marks, out: Out): number {
  if (mode === 'math') out.complete = false;
  out.push(`${n.escapeToken ?? '\\'}${n.content}`, marks);
  let bare = true;
  const arg = (nodes: Ast.Node[], open: string, close: string) => {
    const inner = render(nodes, mode, marks);
    if (mode === 'math') out.complete &&= inner.complete;
    out.push(open, marks);
    out.append(inner);
    out.push(close, marks);
    bare = false;
  };
  for (const a of n.args ?? []) if (a.content.length || a.openMark) arg(a.content, a.openMark, a.closeMark);
  let j = i;
  while (queue[j + 1]?.type === 'group') {
    const group = queue[++j] as Ast.Group;
    if (group.content.length) arg(group.content, '{', '}'); // "\ours{}" reads "\ours"
  }
  // "\b{}eta" must not come out as "\beta": a letter pushed right after a control word gets its separator.
  if (bare && /^[A-Za-z]+$/.test(n.content)) out.controlWordOpen = true;
  return j;
}

// ---- public functions -----------------------------------------------------------------------------------

const HAS_TEX = /[\\${}]|``|''|(?:^|\s)---?(?:\s|$)/;

/** TeX's quote and dash ligatures, through the table: ``quoted'' → “quoted”, a free-standing -- or --- → – or —. */
function ligatures(word: string): string {
  const quoted = word.includes('``') || word.includes("''") ? word.replace(/``|''/g, (q) => lookup(q, 'text') ?? q) : word;
  return quoted === '--' || quoted === '---' ? (lookup(quoted, 'text') ?? quoted) : quoted;
}

function clean(raw: string): string {
  return raw.replace(CONTROL, '').replace(/\s+/g, ' ').trim();
}

function convert(s: string, maxChars: number): TexSpan[] {
  const out = new Out();
  let length = 0;
  for (const seg of segments(s)) {
    // Enough for the caller's cut: the rest cannot change what is shown.
    if (length > maxChars) break;
    if (!seg.tex) {
      out.push(ligatures(seg.text), NO_MARKS);
      length += seg.text.length;
      continue;
    }
    const part = new Out();
    try {
      walk(parse(seg.text).content, 'text', NO_MARKS, part);
    } catch {
      part.spans = [{ text: seg.text }];
    }
    out.append(part);
    length += part.text().length;
  }
  return tidy(out.spans);
}

/** One space between words, none at the ends, no empty spans. */
function tidy(spans: TexSpan[]): TexSpan[] {
  const out: TexSpan[] = [];
  let prevSpace = true;
  for (const s of spans) {
    let text = (s.source ? s.text : s.text.replace(/\s+/g, ' ')).normalize('NFC');
    if (prevSpace) text = text.replace(/^ /, '');
    if (!text) continue;
    prevSpace = text.endsWith(' ');
    out.push({ ...s, text });
  }
  while (out.length) {
    const last = out[out.length - 1]!;
    last.text = last.source ? last.text : last.text.replace(/ $/, '');
    if (last.text) break;
    out.pop();
  }
  return out;
}

const cache = new Map<string, TexSpan[]>();
const CACHE_SIZE = 4000;

/** Parses TeX-flavoured text into spans. Cached: the archive and the feed show the same papers again and again. */
export function texToRich(raw: string): RichText {
  return cached(raw, Infinity);
}

/**
 * The first `max` characters of the text at a word boundary, with "…" when cut. Conversion stops once it has
 * enough: an abstract shown as 280 characters need not be parsed whole.
 */
export function texExcerpt(raw: string, max: number): RichText {
  return trimRich(cached(raw, max + 16), max);
}

function cached(raw: string, maxChars: number): TexSpan[] {
  // Most text holds no TeX at all (and author names are many): no parse, no cache entry.
  if (!HAS_TEX.test(raw)) {
    const s = clean(raw);
    return s ? [{ text: s }] : [];
  }
  const key = `${maxChars}\u0000${raw}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const spans = convert(clean(raw), maxChars);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, spans);
  return spans;
}

/** Plain readable text on one line: for subjects, preheaders, text parts, feed titles and header text. */
export function plainText(raw: string): string {
  return richPlain(texToRich(raw));
}

