// Development and test entry of the MJML compile thread: the sources are TypeScript, so register tsx in this thread
// first (production starts the compiled mjml-worker.js directly).
import { register } from 'tsx/esm/api';

register();
await import('./mjml-worker.ts');
