// Splits TeX-flavoured text into plain words (shown as written) and TeX words (sent to the parser), deciding
// which `$` delimit math and which are dollar signs. Invariant: a plain word is the input's own text; a TeX word only
// gains the escapes (\% \$) that keep the parser from reading a comment or opening math.

export interface Segment {
  text: string;
  tex: boolean;
}

const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

function escaped(s: string, i: number): boolean {
  let n = 0;
  while (i - 1 - n >= 0 && s[i - 1 - n] === '\\') n++;
  return n % 2 === 1;
}

/**
 * Math spans: index of the opening delimiter → index after the closing one. As in TeX, the next `$` closes
 * (arXiv text is TeX: a literal dollar is written \$), except where the pair reads as prices or prose, which
 * LLM summaries and some abstracts hold: "$5 and $10", "$5-$10", "$3,600 per year … $x$", "$ a sentence $".
 * Also `$$…$$`, `\(…\)` and `\[…\]`.
 */
function mathSpans(s: string): Map<number, number> {
  const spans = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && (s[i + 1] === '(' || s[i + 1] === '[') && !escaped(s, i)) {
      const close = s.indexOf(s[i + 1] === '(' ? '\\)' : '\\]', i + 2);
      if (close > i + 2) {
        spans.set(i, close + 2);
        i = close + 1;
      }
      continue;
    }
    if (c !== '$' || escaped(s, i)) continue;
    if (s[i + 1] === '$') {
      let close = s.indexOf('$$', i + 2);
      while (close > 0 && escaped(s, close)) close = s.indexOf('$$', close + 1);
      if (close > i + 2) {
        spans.set(i, close + 2);
        i = close + 1;
      } else i++;
      continue;
    }
    let j = s.indexOf('$', i + 1);
    while (j > 0 && escaped(s, j)) j = s.indexOf('$', j + 1);
    if (j < 0) continue;
    const body = s.slice(i + 1, j);
    const price = isDigit(body[0]) && (isSpace(body[body.length - 1]) || isDigit(s[j + 1]) || holdsProse(body));
    const sentence = (isSpace(body[0]) || isSpace(body[body.length - 1])) && holdsProse(body);
    // A literal `$`: the one at j may still open math of its own.
    if (price || sentence || !body.trim()) continue;
    spans.set(i, j + 1);
    i = j;
  }
  return spans;
}

/** A word of two letters or more outside braces and not a macro name: a sentence, not a formula. */
function holdsProse(body: string): boolean {
  if (!/\s/.test(body)) return false;
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
    else if (c === '\\') {
      while (/[A-Za-z]/.test(body[i + 1] ?? '')) i++;
    } else if (depth === 0 && /[A-Za-z]/.test(c) && /[A-Za-z]/.test(body[i + 1] ?? '') && !/[A-Za-z]/.test(body[i - 1] ?? '')) return true;
  }
  return false;
}

/** Positions of braces that have a partner (unescaped, outside nothing in particular). */
function pairedBraces(s: string): Set<number> {
  const paired = new Set<number>();
  const open: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if ((s[i] !== '{' && s[i] !== '}') || escaped(s, i)) continue;
    if (s[i] === '{') open.push(i);
    else if (open.length) {
      paired.add(open.pop()!);
      paired.add(i);
    }
  }
  return paired;
}

/**
 * Splits text into plain words (shown as written) and TeX words, each of which is whole: a math span, a brace
 * group or a control word and what follows it up to the next space. For the parser, a TeX word gets `%` and
 * stray `$` escaped (TeX would read a comment and open math); plain words keep them.
 */
export function segments(s: string): Segment[] {
  const spans = mathSpans(s);
  const braces = pairedBraces(s);
  const out: Segment[] = [];
  let raw = '';
  let tex = '';
  let isTex = false;
  let depth = 0;
  let afterControlWord = false;
  const flush = () => {
    if (raw) out.push({ text: isTex ? tex : raw, tex: isTex });
    raw = tex = '';
    isTex = false;
  };
  for (let i = 0; i < s.length; ) {
    const end = spans.get(i);
    if (end !== undefined) {
      const body = s.slice(i, end);
      raw += body;
      tex += body.replace(/(?<!\\)((?:\\\\)*)%/g, '$1\\%');
      isTex = true;
      afterControlWord = false;
      i = end;
      continue;
    }
    const c = s[i]!;
    if (c === '\\') {
      const m = /^\\(?:[A-Za-z]+|[\s\S])?/.exec(s.slice(i, i + 64))![0];
      raw += m;
      tex += m;
      isTex = true;
      afterControlWord = /^\\[A-Za-z]/.test(m);
      i += m.length;
      continue;
    }
    if (isSpace(c)) {
      let j = i;
      while (isSpace(s[j])) j++;
      if (depth > 0 || afterControlWord) {
        // Inside a group, or ending a control word ("S\o ren" is one word for TeX): the space stays in the word.
        raw += ' ';
        tex += ' ';
      } else {
        flush();
        out.push({ text: ' ', tex: false });
      }
      afterControlWord = false;
      i = j;
      continue;
    }
    afterControlWord = false;
    if ((c === '{' || c === '}') && braces.has(i)) {
      depth += c === '{' ? 1 : -1;
      isTex = true;
    }
    raw += c;
    tex += c === '%' || c === '$' ? `\\${c}` : c;
    i++;
  }
  flush();
  return out;
}

