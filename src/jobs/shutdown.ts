// The last step of a shutdown whose job would not stop in time. The claims of this process's senders go back
// to `pending` at once (the crash rule, applied now rather than at the next start), so nothing is left
// `sending`; its daily-job lock is released and its running job recorded as interrupted (resumed at next start).
// The message in flight may still reach the server; if it does, its resend carries the same Message-ID.
import type { AppDeps } from '../app.js';
import { releaseSender, sendersOfThisProcess } from '../mail/send-claims.js';
import { locksRepo } from '../db/locks-repo.js';
import { processOwnerPrefix } from './lock.js';

export function abandonOwnWork(app: Pick<AppDeps, 'db' | 'clock'>): { claims: number; jobs: number } {
  if (!app.db.open) return { claims: 0, jobs: 0 };
  const now = app.clock.now();
  const claims = sendersOfThisProcess(app.db).reduce((n, owner) => n + releaseSender(app.db, owner, now), 0);
  const jobs = locksRepo(app.db).abandonOwnedBy(processOwnerPrefix(), now);
  return { claims, jobs };
}
