// The senders' registry and the pause of sending on SQLite (see src/db/stores/sending.ts), over the synchronous
// repositories that the crash rule's other callers still use directly (the same statements, prepared once).
import type { Db } from '../open.js';
import { sendWorkersRepo } from '../send-workers-repo.js';
import { createSendPauseRepo } from '../send-pause-repo.js';
import type { SenderRegistry, SendPauseStore } from '../stores/sending.js';

export function createSqliteSenderStores(db: Db): SenderRegistry & SendPauseStore {
  const pauses = createSendPauseRepo(db);
  return {
    registerSender: async (s, now) => sendWorkersRepo(db).register(s, new Date(now)),
    senderHeartbeat: async (owner, now) => sendWorkersRepo(db).heartbeat(owner, new Date(now)),
    releaseSenderClaims: async (owner, now) => sendWorkersRepo(db).release.immediate(owner, new Date(now)),
    requeueDeadClaims: async (isDead, now) => sendWorkersRepo(db).requeueDeadClaims(isDead, new Date(now)),
    claimHolders: async () => sendWorkersRepo(db).claimHolders(),
    sendersOfProcess: async (host, pid) => sendWorkersRepo(db).ownersOfProcess(host, pid),
    sendPause: async () => pauses.get(),
    startSendPause: async (now, reason, next) => pauses.start(new Date(now), reason, new Date(next)),
    sendPauseProbeFailed: async (next, error) => pauses.probeFailed(new Date(next), error),
    liftSendPause: async () => pauses.lift(),
  };
}
