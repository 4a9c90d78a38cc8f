// Rules of the operators' read model that both engines apply the same way (a module of its own, free of engine imports).
import type { DeliveryStatus } from './admin.js';

/** The search term as the statements take it: a LIKE pattern (wildcards escaped with \) and an id when it is one. */
export function subscriberSearchTerms(search: string | undefined): { like: string | null; id: number | null } {
  const term = search?.trim();
  if (!term) return { like: null, id: null };
  return { like: `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, id: /^\d{1,15}$/.test(term) ? Number(term) : null };
}

export const zeroDeliveryCounts = (): Record<DeliveryStatus, number> => ({ pending: 0, sending: 0, sent: 0, failed: 0, bounced: 0, skipped: 0 });
