// Development and test entry of the preparation's helper thread: the sources are TypeScript, so register tsx in this
// thread first (production starts the compiled prepare-worker.js directly).
import { register } from 'tsx/esm/api';

register();
await import('./prepare-worker.ts');
