// Development and test entry of the MJML compile thread: the sources are TypeScript, so the thread loads them bundled
// into one plain-JS module first (src/lib/bundled-thread.mjs; production starts the compiled mjml-worker.js directly).
import { importBundled } from '../lib/bundled-thread.mjs';

await importBundled(new URL('./mjml-worker.ts', import.meta.url));
