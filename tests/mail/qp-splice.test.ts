// The spliced quoted-printable encoder against nodemailer's own qp.Encoder: for bodies assembled from fixed runs
// (reused across many messages, so their cached lines are exercised from many entry offsets) and per-recipient
// values, the output is byte-for-byte nodemailer's, with line breaks as CRLF.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Encoder } from 'nodemailer/lib/qp';
import { encodeSpliced } from '../../src/mail/qp-splice.js';
import { fixedRun, joinPieces, type FixedRun, type TextPiece } from '../../src/lib/spliced-text.js';

/** What nodemailer writes for this text as a quoted-printable part, line breaks as SMTP sends them. */
function nodemailerQp(text: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const enc = new Encoder();
    const chunks: Buffer[] = [];
    enc.on('data', (c: Buffer | string) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c, 'latin1')));
    enc.on('error', reject);
    enc.on('end', () => resolve(Buffer.from(Buffer.concat(chunks).toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1')));
    enc.end(Buffer.from(text, 'utf8'));
  });
}

async function expectSameAsNodemailer(pieces: TextPiece[]): Promise<void> {
  const ours = encodeSpliced(pieces);
  const text = joinPieces(pieces);
  expect(ours, 'eligible').toBeDefined();
  const ref = await nodemailerQp(text);
  if (!ours!.equals(ref)) expect(ours!.toString('latin1')).toBe(ref.toString('latin1')); // a readable diff
  expect(ours!.equals(ref)).toBe(true);
}

// Text that exercises every rule of the encoder and of qp.wrap: blanks before line breaks, '=', the punctuation
// wrap breaks at, LF and CRLF, multi-byte UTF-8 (2, 3 and 4 bytes), long runs without a break, leading dots.
const atoms = fc.constantFrom(
  ' ', ' ', '\t', '\n', '\r\n', '=', '.', ',', '!', '?', 'é', '·', '“', '😀', '\u00a0', 'a', 'word ', '<td>', '</p>\n',
  'https://papers.example.org/unsubscribe?token=1.AbCdEfGhIjKlMnOpQrStUvWxYz', 'x'.repeat(90), '==', '=3D', ' \n', '\t\r\n', 'ߢ', 'ࠀ', '\ud800', '\r', '\u2028',
);
const text = (max: number) => fc.array(atoms, { maxLength: max }).map((a) => a.join(''));

describe('encodeSpliced', () => {
  it('matches nodemailer on a realistic HTML body with slots between fixed runs', async () => {
    const head = fixedRun(`<!doctype html><html lang="en"><head><title>Trending papers</title></head><body>\n<div style="display:none">`);
    const mid = fixedRun(`</div><table role="presentation" style="width:100%;border-collapse:collapse"><tr><td class="card">${'A paper about long-context transformers, with a summary that runs on. '.repeat(12)}</td></tr>\n<p>Why: `);
    const tail = fixedRun(`</p><p><a href="https://papers.example.org/preferences">Preferences</a> · <a href="`);
    const end = fixedRun(`">Unsubscribe</a></p></body></html>`);
    for (const [pre, reason, url] of [
      ['Top trending: “Über” models', 'rising fast', 'https://papers.example.org/unsubscribe?token=7.AbCdEfGhIjKlMnOpQrStUvWxYz012345'],
      ['x', 'matches: your topics · long context', 'https://papers.example.org/unsubscribe?token=12345.Zz'],
      ['', '', 'https://e.org/u'],
    ] as const)
      await expectSameAsNodemailer([head, pre, mid, reason, tail, url, end, mid, `${reason} again`, tail, url, end]);
  });

  it('matches nodemailer for random bodies of random fixed runs and values (fixed runs reused across messages)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(text(60), { minLength: 1, maxLength: 6 }),
        fc.array(fc.array(fc.oneof(fc.nat(), text(8)), { maxLength: 14 }), { minLength: 1, maxLength: 5 }),
        async (fixedTexts, messages) => {
          const runs: FixedRun[] = fixedTexts.map(fixedRun);
          for (const shape of messages) {
            const pieces: TextPiece[] = shape.map((x) => (typeof x === 'number' ? runs[x % runs.length]! : x));
            const ours = encodeSpliced(pieces);
            const joined = joinPieces(pieces);
            // Only trailing blanks make a body ineligible at these sizes (nodemailer holds them back).
            expect(ours === undefined).toBe(/[ \t]$/.test(joined));
            if (ours) expect(ours.toString('latin1')).toBe((await nodemailerQp(joined)).toString('latin1'));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('matches nodemailer from every entry offset into fixed runs of every length around a line', async () => {
    // A value of 0..80 characters before each run makes wrapping enter the run at every offset it can.
    const runs = [
      fixedRun('abcdefghij '.repeat(20)),
      fixedRun('é'.repeat(70)),
      fixedRun(`${'y'.repeat(70)}\n${'z'.repeat(50)}. ${'w'.repeat(30)}`),
      fixedRun('=,'.repeat(60)),
      ...[1, 40, 75, 76, 77, 78, 79, 80, 100, 151, 152, 153, 154, 155, 160].map((n) => fixedRun('q'.repeat(n - 1) + '.')),
    ];
    for (const run of runs)
      for (let n = 0; n <= 80; n++)
        for (const fill of ['v', 'ü', ' ']) {
          const value = fill.repeat(n);
          await expectSameAsNodemailer([value, run, 'v', run, `${value}x`]);
        }
  });

  it('declines bodies nodemailer encodes in several slices or with held-back trailing blanks', () => {
    expect(encodeSpliced([fixedRun('a'.repeat(64 * 1024)), 'b'])).toBeUndefined();
    expect(encodeSpliced([fixedRun('a'.repeat(64 * 1024))])).toBeDefined();
    expect(encodeSpliced(['text ', fixedRun('ends with a blank ')])).toBeUndefined();
  });
});
