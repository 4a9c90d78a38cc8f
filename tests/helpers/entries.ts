// The bundled entries of tests/helpers/build-entries.ts, for tests that start a real child process.
import { inject } from 'vitest';
import { join } from 'node:path';
import type { ENTRY_POINTS } from './build-entries.js';

/** Path of the bundled entry, to run as `node <path>` (no tsx). */
export const entryPath = (name: keyof typeof ENTRY_POINTS): string => join(inject('entriesDir'), `${name}.js`);
