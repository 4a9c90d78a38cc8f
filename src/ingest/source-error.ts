// A source-level failure (bad payload, HTTP error, timeout): names the source and the cause.
import { AppError } from '../lib/errors.js';
import type { SourceName } from '../config.js';

export class SourceError extends AppError {
  readonly source: SourceName;
  constructor(source: SourceName, code: string, message: string, options?: { cause?: unknown }) {
    super(code, `${source}: ${message}`, options);
    this.name = 'SourceError';
    this.source = source;
  }
}
