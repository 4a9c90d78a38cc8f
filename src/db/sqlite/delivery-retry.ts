// `papers retry` on SQLite (see DeliveryRetry in src/db/stores/sending.ts), over the synchronous repositories the
// sender's other callers still use (the same statements, prepared once), in one IMMEDIATE transaction.
import type { Db } from '../open.js';
import { createDeliveryRequeueRepo } from '../delivery-requeue-repo.js';
import { createSendPauseRepo } from '../send-pause-repo.js';
import type { DeliveryRetry, RetryResult } from '../stores/sending.js';

export function createSqliteDeliveryRetry(db: Db): DeliveryRetry {
  const requeue = createDeliveryRequeueRepo(db);
  const pauses = createSendPauseRepo(db);
  const retry = db.transaction((editionId: number, now: Date): RetryResult => {
    const pause = pauses.get();
    const held = pause ? requeue.duePending(editionId, now) : 0;
    if (pause) pauses.lift();
    const failed = requeue.requeueFailed(editionId, now);
    const waiting = requeue.releaseWaiting(editionId, now);
    return { failed, waiting, held, pause };
  });
  return {
    retryDeliveries: async (editionId, now) => retry.immediate(editionId, new Date(now)),
  };
}
