// The last step of a shutdown whose job would not stop in time. The claims of this process's senders go back
// to `pending` at once (the crash rule, applied now rather than at the next start), so nothing is left
// `sending`; its daily-job lock is released and its running job recorded as interrupted (resumed at next start).
// The message in flight may still reach the server; if it does, its resend carries the same Message-ID.
import { hostname } from 'node:os';
import type { AppDeps } from '../app.js';
import { releaseSender } from '../mail/send-claims.js';
import { processOwnerPrefix } from './lock.js';

export function abandonOwnWork(app: Pick<AppDeps, 'db' | 'clock'>): { claims: number; jobs: number } {
  if (!app.db.open) return { claims: 0, jobs: 0 };
  const now = app.clock.now();
  const owners = app.db
    .prepare<[string, number], { owner: string }>('SELECT owner FROM send_workers WHERE host = ? AND pid = ?')
    .all(hostname(), process.pid);
  const claims = owners.reduce((n, { owner }) => n + releaseSender(app.db, owner, now), 0);
  const prefix = `${processOwnerPrefix()}%`;
  const jobs = app.db
    .transaction(() => {
      const n = app.db
        .prepare(
          `UPDATE job_runs SET status = 'failed', finished_at = ?, attempts = max(attempts - 1, 0),
             outcome_json = '{"error":"JOB_INTERRUPTED: the process shut down","interrupted":true}'
           WHERE status = 'running' AND owner LIKE ?`,
        )
        .run(now.toISOString(), prefix).changes;
      app.db.prepare('DELETE FROM locks WHERE owner LIKE ?').run(prefix);
      return n;
    })
    .immediate();
  return { claims, jobs };
}
