// A background thread (the subscribe intake: its writes and confirmation emails, which no request waits for) runs at
// a lower CPU priority than the HTTP thread: on a small machine the kernel then gives a core to the thread answering
// requests first, and the background work takes what is left (all of it when the site is quiet). Linux sets nice per thread, so one
// thread's priority can be lowered alone; elsewhere setpriority would act on the whole process, so nothing is done.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** Nice 10: a tenth of a normal thread's share of a busy core, all of an idle one. */
export const BACKGROUND_NICE = 10;

/** The calling thread's kernel id (Linux's /proc/thread-self), or null where there is none. */
export function kernelThreadId(): number | null {
  try {
    const m = /\/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Lowers the calling thread's priority to `nice` (never raises it: a process started with `nice -n 15` keeps its
 * 15). Returns the thread's nice value afterwards, or null where a thread's priority cannot be set alone.
 */
export function lowerThisThreadPriority(nice = BACKGROUND_NICE): number | null {
  const tid = kernelThreadId();
  if (tid === null) return null;
  try {
    if (getPriority(tid) < nice) setPriority(tid, nice);
    return getPriority(tid);
  } catch {
    return null; // a sandbox that forbids it: the thread runs at the process's priority, as before
  }
}
