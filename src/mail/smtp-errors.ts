// Classifies a send failure: a permanent rejection of the recipient (5xx) bounces; everything else is temporary.
export type FailureKind = 'permanent' | 'temporary';

export function classifySendError(err: unknown): { kind: FailureKind; code: number | null; message: string } {
  const e = err as { responseCode?: number; code?: string; message?: string; response?: string };
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const message = (e.response ?? e.message ?? String(err)).slice(0, 500);
  // 5xx for the recipient or the message: the server will never take it. Connection-level codes are temporary.
  if (code !== null && code >= 500 && code < 600) return { kind: 'permanent', code, message };
  return { kind: 'temporary', code, message };
}
