// What the running server shares with its HTTP routes beyond AppDeps: the job slot (admin "run now" shares it
// with the scheduler), the metrics registry (the mailer is instrumented with it) and the shutdown state
// (/readyz). Every field is optional: an app built without them (tests, the demo) gets private defaults.
import type { JobRunner } from '../jobs/runner.js';
import type { Metrics } from './routes/metrics.js';
import type { Lifecycle } from './routes/health.js';

export interface OpsHooks {
  runner?: JobRunner | undefined;
  metrics?: Metrics | undefined;
  lifecycle?: Lifecycle | undefined;
}
