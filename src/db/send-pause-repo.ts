// The persisted sending pause (table send_pause, at most one row): set when the mail server cannot take mail,
// pushed back after each failed probe, lifted by a probe the server accepts or by `papers retry`.
import type { Db } from './open.js';

import type { SendPauseRow } from './stores/sending.js';

export type { SendPauseRow };

export function createSendPauseRepo(db: Db) {
  const get = db.prepare<[], SendPauseRow>('SELECT since, reason, probes, next_probe_at, last_error FROM send_pause WHERE id = 1');
  // A pause that is already on keeps its start and its probe count: several runs meeting the same outage are one pause.
  const start = db.prepare(
    `INSERT INTO send_pause (id, since, reason, probes, next_probe_at) VALUES (1, @now, @reason, 0, @next)
     ON CONFLICT(id) DO UPDATE SET last_error = @reason, next_probe_at = max(send_pause.next_probe_at, @next)`,
  );
  const probeFailed = db.prepare('UPDATE send_pause SET probes = probes + 1, next_probe_at = @next, last_error = @error WHERE id = 1');
  const lift = db.prepare('DELETE FROM send_pause WHERE id = 1');
  return {
    get: (): SendPauseRow | undefined => get.get(),
    start(now: Date, reason: string, nextProbeAt: Date): void {
      start.run({ now: now.toISOString(), reason: reason.slice(0, 500), next: nextProbeAt.toISOString() });
    },
    probeFailed(nextProbeAt: Date, error: string): void {
      probeFailed.run({ next: nextProbeAt.toISOString(), error: error.slice(0, 500) });
    },
    /** True when there was a pause to lift. */
    lift: (): boolean => lift.run().changes === 1,
  };
}

export type SendPauseRepo = ReturnType<typeof createSendPauseRepo>;
