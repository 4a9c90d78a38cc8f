// The last step of a shutdown whose job would not stop in time. The claims of this process's senders go back
// to `pending` at once (the crash rule, applied now rather than at the next start), so nothing is left
// `sending`; its job locks are released and its running job recorded as interrupted (resumed at next start).
// The message in flight may still reach the server; if it does, its resend carries the same Message-ID.
import type { AppDeps } from '../app.js';
import type { JobRunsStore } from '../db/stores/job-runs.js';
import type { SenderRegistry } from '../db/stores/sending.js';
import { releaseSenderIn, sendersOfThisProcess } from '../mail/send-claims.js';
import { processOwnerPrefix } from './lock.js';

export interface ShutdownDeps {
  store: Pick<SenderRegistry, 'sendersOfProcess' | 'releaseSenderClaims'> & Pick<JobRunsStore, 'interruptJobRunsOf'>;
  clock: AppDeps['clock'];
}

export async function abandonOwnWork(app: ShutdownDeps): Promise<{ claims: number; jobs: number }> {
  const now = app.clock.now();
  let claims = 0;
  for (const owner of await sendersOfThisProcess(app.store)) claims += await releaseSenderIn(app.store, owner, now);
  const jobs = await app.store.interruptJobRunsOf(processOwnerPrefix(), now.toISOString());
  return { claims, jobs };
}
