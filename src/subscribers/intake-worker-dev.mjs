// Development and test entry of the subscribe intake thread: the sources are TypeScript, so register tsx in this
// thread first (production starts the compiled intake-worker.js directly).
import { register } from 'tsx/esm/api';

register();
await import('./intake-worker.ts');
