// Development and test entry of the ranking thread: the sources are TypeScript, so register tsx in this thread
// first (production starts the compiled rank-worker.js directly).
import { register } from 'tsx/esm/api';

register();
await import('./rank-worker.ts');
