// Vitest globalSetup (unit project): bundles the entries that tests run as real child processes (the server,
// the CLI, the child sender and the scheduler-tick child) once per test run with esbuild, so a test that is
// about a process (kill -9, SIGTERM, two processes on one database) starts plain JavaScript in ~0.3 s instead of
// transpiling ~100 TypeScript files through tsx in every child, with most npm packages inside (see below); the bundle folder sits three levels below the package root, like src/digest/ and dist/src/, so the
// code finds migrations/ and templates/ exactly as it does from src/ or from the tsc build.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const ENTRY_POINTS = {
  server: 'src/server.ts',
  cli: 'src/cli.ts',
  'send-child': 'tests/send/send-child.ts',
  'tick-child': 'tests/jobs/tick-child.ts',
  'daily-child': 'tests/jobs/daily-child.ts',
  'prepare-child': 'tests/digest/prepare-child.ts',
  // Started by the server (and the test apps) as the subscribe intake thread, beside the chunks that import it.
  'intake-worker': 'src/subscribers/intake-worker.ts',
  // Started by render.ts as the MJML compile thread.
  'mjml-worker': 'src/digest/mjml-worker.ts',
  // Started by digest/prepare-thread.ts: the daily job's ranking and WAL checkpoints while an edition is prepared.
  'prepare-worker': 'src/digest/prepare-worker.ts',
} as const;

declare module 'vitest' {
  export interface ProvidedContext {
    /** Folder holding <name>.js for each of ENTRY_POINTS. */
    entriesDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = join(ROOT, 'node_modules', '.cache', `papers-entries-${process.pid}`);
  await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRY_POINTS,
    outdir: dir,
    bundle: true,
    splitting: true, // the entries share one copy of the app's modules
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // npm packages are bundled too: resolving and linking ~750 modules through Node's loaders was half of a child's
    // start-up (1.1 s of CPU for `papers --help`, 0.55 s bundled; MJML's thread 1.0 s, 0.65 s bundled), and the
    // suite starts a few dozen. Kept outside: the native better-sqlite3, pino (its transports start threads from
    // their own files), the packages that read files beside their own code (__dirname), and what MJML's minifier
    // (htmlnano, off here: minify: false) would load on demand, TypeScript among it.
    external: [
      'better-sqlite3', 'pino', 'pg-native', '@fastify/swagger', '@fastify/swagger-ui',
      'htmlnano', 'typescript', 'terser', 'svgo', 'uncss', 'purgecss', 'cssnano', 'postcss', 'js-beautify', 'prettier',
    ],
    // Bundled CommonJS packages call require() for Node's built-ins, which an ES module has only through createRequire.
    banner: { js: "import { createRequire as __papersCreateRequire } from 'node:module'; const require = __papersCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  project.provide('entriesDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
