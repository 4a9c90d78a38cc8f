// The development and test entries of helper threads (…-dev.mjs, started from the TypeScript sources) load their
// thread's module through this: bundled by esbuild into one plain-JS file (npm packages stay external) and imported,
// instead of registering tsx in the thread, whose loader transpiles each module on its own and keeps its hooks and
// caches in memory: a preparation thread took ~41 MB of RSS with tsx, ~21 MB bundled. The bundle is written three
// folders below the package root (node_modules/.cache/papers-threads/), as src/digest/ is, so code that looks for
// the package's folders finds them alike, and npm packages resolve from the package's node_modules; it is removed
// once loaded. Production starts the compiled …/name.js directly and never comes here.
import { build, stop } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';

const CACHE = fileURLToPath(new URL('../../node_modules/.cache/papers-threads/', import.meta.url));

/** Bundles the TypeScript module at `entry` (a file: URL) and imports it. */
export async function importBundled(entry) {
  const file = fileURLToPath(entry);
  mkdirSync(CACHE, { recursive: true });
  const outfile = `${CACHE}${basename(file, '.ts')}-${process.pid}-${threadId}.mjs`;
  try {
    await build({ entryPoints: [file], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning' });
  } finally {
    await stop(); // esbuild's service process is not needed once the bundle is written
  }
  try {
    await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(outfile, { force: true });
  }
}
