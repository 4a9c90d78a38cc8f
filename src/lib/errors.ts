// Application errors: every error we raise carries a stable code and, when it wraps one, its cause.
export class AppError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
  }
}

/** A short human-readable description of any thrown value, for logs and ledger rows. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const prefix = typeof code === 'string' && !err.message.startsWith(code) ? `${code}: ` : '';
    return `${prefix}${err.message}`;
  }
  return String(err);
}
