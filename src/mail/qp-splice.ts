// Quoted-printable for a body spliced from fixed runs (the same in every message of an edition) and per-recipient
// values. Invariant: the result is byte-for-byte what nodemailer's qp.Encoder writes for the joined text, with every
// line break as CRLF (what nodemailer's SMTP DATA stream sends); when that cannot be guaranteed it returns undefined.
//
// Why it can be spliced: QP encoding is byte-local (one byte of lookahead, for whitespace before a line break), and
// nodemailer's line wrapping (qp.wrap) is a chain of steps, each decided by the next 76 encoded characters alone.
// So a fixed run is encoded once, and the steps that fall wholly inside it depend only on the offset at which the
// chain enters it: they are cached by that offset (at most 76 entries per run). Per message, only the lines that
// touch a per-recipient value are encoded and wrapped.
import type { FixedRun, TextPiece } from '../lib/spliced-text.js';

const LINE_LENGTH = 76;
const LINE_MARGIN = Math.floor(LINE_LENGTH / 3);
/** nodemailer's ENCODE_SLICE_SIZE: a longer input is wrapped slice by slice, which this does not emulate. */
const SLICE_BYTES = 64 * 1024;

// RFC 2045 §6.7 literals, as nodemailer's QP_RANGES: TAB, LF, CR, SP to '<', '>' to '~'.
const LITERAL = new Uint8Array(128);
for (const c of [0x09, 0x0a, 0x0d]) LITERAL[c] = 1;
for (let c = 0x20; c <= 0x7e; c++) if (c !== 0x3d) LITERAL[c] = 1;
const ESCAPED = Array.from({ length: 256 }, (_, b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`);

const isBlank = (c: number | undefined) => c === 0x20 || c === 0x09;

let encodedBytes = 0;
/**
 * nodemailer's qp encodeBytes over the UTF-8 of `s`, without building the bytes: `next` is the first byte after it
 * (undefined at the end of the body), for a space or tab that ends `s`. Sets encodedBytes to the UTF-8 length.
 */
function encodeString(s: string, next: number | undefined): string {
  let out = '';
  let run = 0;
  let bytes = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      bytes++;
      if (LITERAL[c]) {
        if (!isBlank(c)) continue;
        const following = i + 1 < n ? s.charCodeAt(i + 1) : next;
        if (following !== undefined && following !== 0x0a && following !== 0x0d) continue;
      }
      out += s.slice(run, i) + ESCAPED[c];
      run = i + 1;
      continue;
    }
    out += s.slice(run, i);
    let cp = c;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // a lone surrogate: what Buffer.from writes for it
    if (cp < 0x800) {
      out += ESCAPED[0xc0 | (cp >> 6)]! + ESCAPED[0x80 | (cp & 63)];
      bytes += 2;
    } else if (cp < 0x10000) {
      out += ESCAPED[0xe0 | (cp >> 12)]! + ESCAPED[0x80 | ((cp >> 6) & 63)] + ESCAPED[0x80 | (cp & 63)];
      bytes += 3;
    } else {
      out += ESCAPED[0xf0 | (cp >> 18)]! + ESCAPED[0x80 | ((cp >> 12) & 63)] + ESCAPED[0x80 | ((cp >> 6) & 63)] + ESCAPED[0x80 | (cp & 63)];
      bytes += 4;
    }
    run = i + 1;
  }
  encodedBytes = bytes;
  return run === 0 ? s : out + s.slice(run);
}

let stepLine = '';
/**
 * One turn of nodemailer's qp.wrap loop, at a line start: `win` holds the next (up to) 76 encoded characters and
 * `remaining` how many are left in the whole body. Sets stepLine to what the turn writes (with its soft break) and
 * returns how many encoded characters it consumed. Kept line for line with qp.wrap, regular expressions included.
 */
function step(win: string, remaining: number): number {
  let line = win;
  let match: RegExpMatchArray | null;
  if ((match = line.match(/\r\n/))) {
    stepLine = line.substr(0, match.index! + match[0].length);
    return stepLine.length;
  }
  if (line.substr(-1) === '\n') {
    stepLine = line;
    return line.length;
  }
  if ((match = line.substr(-LINE_MARGIN).match(/\n.*?$/))) {
    stepLine = line.substr(0, line.length - (match[0].length - 1));
    return stepLine.length;
  }
  if (line.length > LINE_LENGTH - LINE_MARGIN && (match = line.substr(-LINE_MARGIN).match(/[ \t.,!?][^ \t.,!?]*$/))) {
    line = line.substr(0, line.length - (match[0].length - 1));
  } else if (/[=][\da-f]{0,2}$/i.test(line)) {
    if ((match = line.match(/[=][\da-f]{0,1}$/i))) line = line.substr(0, line.length - match[0].length);
    // keep a UTF-8 sequence on one line
    while (line.length > 3 && line.length < remaining && !/^(?:=[\da-f]{2}){1,4}$/i.test(line) && (match = line.match(/[=][\da-f]{2}$/gi))) {
      const code = parseInt(match[0].substr(1, 2), 16);
      if (code < 128) break;
      line = line.substr(0, line.length - 3);
      if (code >= 0xc0) break;
    }
  }
  if (!line.length) line = win;
  if (line.length < remaining && line.substr(-1) !== '\n') {
    if (line.length === LINE_LENGTH && /[=][\da-f]{2}$/i.test(line)) line = line.substr(0, line.length - 3);
    else if (line.length === LINE_LENGTH) line = line.substr(0, line.length - 1);
    stepLine = `${line}=\r\n`;
    return line.length;
  }
  stepLine = line;
  return line.length;
}

/** Every line break as CRLF, as nodemailer's SMTP DATA stream writes a bare LF (a bare CR is left to it). */
function crlf(s: string): string {
  const lf = s.indexOf('\n');
  // Most wrapped lines have no line break but their soft one, which is CRLF already.
  if (lf < 0 || (lf === s.length - 1 && s.charCodeAt(lf - 1) === 0x0d)) return s;
  return s.replace(/\r?\n/g, '\r\n');
}

/** A fixed run, encoded once: its text without trailing blanks (whose encoding depends on what follows). */
interface RunCode {
  enc: string;
  bytes: number;
  tail: string;
  /** Wrapped lines from an entry offset until fewer than 77 encoded characters are left, and where they stop. */
  entries: ({ out: Buffer; exit: number } | undefined)[];
}

const codes = new WeakMap<FixedRun, RunCode>();
function codeOf(run: FixedRun): RunCode {
  let code = codes.get(run);
  if (!code) {
    const text = run.fixed;
    let end = text.length;
    while (end > 0 && isBlank(text.charCodeAt(end - 1))) end--;
    const enc = encodeString(text.slice(0, end), undefined);
    code = { enc, bytes: encodedBytes + (text.length - end), tail: text.slice(end), entries: [] };
    codes.set(run, code);
  }
  return code;
}

function entry(code: RunCode, at: number): { out: Buffer; exit: number } {
  let e = code.entries[at];
  if (!e) {
    const enc = code.enc;
    let out = '';
    let p = at;
    // With 77 or more characters left, a step's outcome depends only on its 76-character window.
    while (p + LINE_LENGTH < enc.length) {
      p += step(enc.substr(p, LINE_LENGTH), enc.length - p);
      out += stepLine;
    }
    e = { out: Buffer.from(crlf(out), 'latin1'), exit: p };
    code.entries[at] = e;
  }
  return e;
}

function textOf(p: TextPiece): string {
  return typeof p === 'string' ? p : p.fixed;
}

/** The first byte of the text after piece i (only whether it is a line break matters), undefined at the end. */
function nextByte(pieces: readonly TextPiece[], i: number): number | undefined {
  for (let j = i + 1; j < pieces.length; j++) {
    const t = textOf(pieces[j]!);
    if (t.length) return Math.min(t.charCodeAt(0), 0x80);
  }
  return undefined;
}

/**
 * The quoted-printable body (CRLF line breaks) for the joined pieces, after `prefix` (ASCII, written as is), or
 * undefined when nodemailer would encode it in more than one slice (over 64 KiB of UTF-8) or hold back trailing
 * blanks: the caller lets nodemailer encode such a body itself.
 */
export function encodeSpliced(pieces: readonly TextPiece[], prefix = ''): Buffer | undefined {
  const out: Buffer[] = [];
  const size = encodeSplicedInto(pieces, prefix, out);
  return size === undefined ? undefined : Buffer.concat(out, size);
}

/** encodeSpliced, appending the encoded bytes to `out` (to be joined once with more); returns how many, or undefined. */
export function encodeSplicedInto(pieces: readonly TextPiece[], prefix: string, out: Buffer[]): number | undefined {
  const segs: string[] = [];
  const runs: (RunCode | undefined)[] = [];
  let bytes = 0;
  let len = 0;
  let last = -1;
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    if (typeof p === 'string') {
      if (!p.length) continue;
      const enc = encodeString(p, nextByte(pieces, i));
      bytes += encodedBytes;
      segs.push(enc);
      runs.push(undefined);
      len += enc.length;
      last = p.charCodeAt(p.length - 1);
      continue;
    }
    const code = codeOf(p);
    if (!p.fixed.length) continue;
    bytes += code.bytes;
    if (code.enc.length) {
      segs.push(code.enc);
      runs.push(code);
      len += code.enc.length;
    }
    if (code.tail.length) {
      const enc = encodeString(code.tail, nextByte(pieces, i));
      segs.push(enc);
      runs.push(undefined);
      len += enc.length;
    }
    last = p.fixed.charCodeAt(p.fixed.length - 1);
  }
  if (bytes > SLICE_BYTES || isBlank(last)) return undefined;
  if (len <= LINE_LENGTH) {
    const b = Buffer.from(prefix + crlf(segs.join('')), 'latin1');
    out.push(b);
    return b.length;
  }

  // Cached lines as they are (Buffers), the lines wrapped here collected as one string between them.
  let size = 0;
  let pending = prefix;
  let si = 0;
  let segStart = 0;
  for (let pos = 0; pos < len; ) {
    while (pos >= segStart + segs[si]!.length) segStart += segs[si++]!.length;
    const seg = segs[si]!;
    const at = pos - segStart;
    const run = runs[si];
    if (run && at + LINE_LENGTH < seg.length) {
      const e = entry(run, at);
      if (pending) {
        const b = Buffer.from(pending, 'latin1');
        out.push(b);
        size += b.length;
        pending = '';
      }
      out.push(e.out);
      size += e.out.length;
      pos = segStart + e.exit;
      continue;
    }
    // A line that reaches past this segment: wrapped here, for this message.
    let win = seg.substr(at, LINE_LENGTH);
    for (let j = si + 1; win.length < LINE_LENGTH && j < segs.length; j++) win += segs[j]!.substr(0, LINE_LENGTH - win.length);
    pos += step(win, len - pos);
    pending += crlf(stepLine);
  }
  if (pending) {
    const b = Buffer.from(pending, 'latin1');
    out.push(b);
    size += b.length;
  }
  return size;
}
