// Text assembled from fixed runs (compiled once per edition, the same in every message) and per-recipient values.
// Invariant: a FixedRun is created once and never changed, so its identity can key work done once per edition
// (src/mail/qp-splice.ts caches its quoted-printable form); joining the pieces gives the text itself.

/** A run of text that is the same for every recipient of an edition. */
export interface FixedRun {
  readonly fixed: string;
}

export type TextPiece = string | FixedRun;

export function fixedRun(text: string): FixedRun {
  return Object.freeze({ fixed: text });
}

export function pieceText(p: TextPiece): string {
  return typeof p === 'string' ? p : p.fixed;
}

export function joinPieces(pieces: readonly TextPiece[]): string {
  let out = '';
  for (const p of pieces) out += typeof p === 'string' ? p : p.fixed;
  return out;
}
