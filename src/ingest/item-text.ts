// Small helpers every item validator shares: whitespace folding and a one-line reason for a rejected item.
import type { z } from 'zod';

/**
 * Folds runs of whitespace (titles and abstracts come with hard line breaks). Same result as
 * replace(/\s+/g, ' ') but only touches what changes: a plain single space is left alone, which makes it
 * several times faster on long abstracts (the hot spot of a 10,000-paper ingest).
 */
export function foldWhitespace(s: string): string {
  return s.replace(/\s{2,}|[^\S ]/g, ' ').trim();
}

/** "paper.title: Invalid input…": where the first problem is and what it is. */
export function issueReason(error: z.ZodError, what: string): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || what}: ${issue.message}` : `${what}: invalid`;
}
