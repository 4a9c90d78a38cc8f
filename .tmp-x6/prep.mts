import { createSampleApp, prepareSampleEdition } from '../src/digest/sample-edition.js';
const app = createSampleApp('/tmp/x6/cli', { SECRET_KEY: 'x'.repeat(40) });
await prepareSampleEdition(app, Array.from({ length: 400 }, (_, i) => ({ email: `r${i}@example.org` })));
await app.close();
