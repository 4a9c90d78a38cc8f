// Builds the configured sources. Each source is a small factory behind the one Source interface.
import type { Config } from '../../config.js';
import type { Source } from '../types.js';
import { createFileSource } from './file.js';
import { AppError } from '../../lib/errors.js';

export interface SourceDeps {
  fetch: typeof globalThis.fetch;
}

export function createSources(config: Config, deps: SourceDeps, only?: string): Source[] {
  const names = only ? [only] : config.sources.enabled;
  return names.map((name) => {
    switch (name) {
      case 'file':
        return createFileSource(config.sources.filePath);
      default:
        throw new AppError('SOURCE_UNKNOWN', `unknown or unavailable source: ${name}`);
    }
  });
  void deps;
}
