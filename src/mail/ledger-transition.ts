// From a decided outcome to the change of its delivery in the ledger, pure: the policy (send-policy.ts) says what an
// SMTP outcome does; this says how the ledger records it (src/db/stores/sending.ts LedgerTransition). No I/O.
import type { ClaimedDelivery, LedgerTransition } from '../db/stores/sending.js';
import type { Decision } from './send-policy.js';

/**
 * The ledger transition of `d` for `decision`, taken at `now`: `detail` is the server's response for an accepted
 * message, or the error text of a failure.
 */
export function ledgerTransition(d: Pick<ClaimedDelivery, 'id' | 'subscriber_id'>, decision: Decision, detail: string, now: string): LedgerTransition {
  const t = decision.transition;
  switch (t.to) {
    case 'sent':
      return { id: d.id, to: 'sent', response: detail.slice(0, 500) };
    case 'bounced':
      return { id: d.id, to: 'bounced', subscriberId: d.subscriber_id, error: detail };
    case 'failed':
      return { id: d.id, to: 'failed', error: detail };
    case 'pending':
      return {
        id: d.id,
        to: 'retry',
        error: detail,
        counted: t.counted,
        next: t.delayMs === null ? null : new Date(Date.parse(now) + t.delayMs).toISOString(),
      };
  }
}
