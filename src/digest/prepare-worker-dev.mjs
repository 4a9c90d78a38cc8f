// Development and test entry of the preparation's helper thread: the sources are TypeScript, so the thread loads them bundled
// into one plain-JS module first (src/lib/bundled-thread.mjs; production starts the compiled prepare-worker.js directly).
import { importBundled } from '../lib/bundled-thread.mjs';

await importBundled(new URL('./prepare-worker.ts', import.meta.url));
