// Counters shared between the HTTP thread and the subscribe intake thread (one SharedArrayBuffer, Atomics): the
// HTTP thread counts foreground requests (the intake's confirmation emails yield to them); the intake counts what
// it received, finished and dropped, read by /metrics at scrape time. No messages, no locks.
export const DROP_REASONS = ['write_failed', 'buffer_full', 'invalid', 'worker_failed'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

const SLOT = {
  foreground: 0,
  received: 1,
  /** Written, or dropped: what the intake is done with. */
  finished: 2,
  /** Accepted and not yet written (the buffer plus batches waiting to be retried). */
  waiting: 3,
  confirmationsDropped: 4,
  write_failed: 5,
  buffer_full: 6,
  invalid: 7,
  worker_failed: 8,
  /** Kept in the spool while the site was busy (they count as written: durable, in the database). */
  spooled: 9,
  /** Taken from the spool and recorded. */
  spoolApplied: 10,
} as const;
const SLOTS = 11;

export type CounterName = keyof typeof SLOT;

export interface IntakeCounters {
  readonly buffer: SharedArrayBuffer;
  add(name: CounterName, n?: number): void;
  get(name: CounterName): number;
  dropped(): Record<DropReason, number>;
}

export function createIntakeCounters(buffer: SharedArrayBuffer = new SharedArrayBuffer(SLOTS * 4)): IntakeCounters {
  const view = new Int32Array(buffer);
  return {
    buffer,
    add: (name, n = 1) => void Atomics.add(view, SLOT[name], n),
    get: (name) => Atomics.load(view, SLOT[name]),
    dropped: () => Object.fromEntries(DROP_REASONS.map((r) => [r, Atomics.load(view, SLOT[r])])) as Record<DropReason, number>,
  };
}
