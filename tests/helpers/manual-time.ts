// A manual clock with one-shot timers, for code that takes its time as a parameter (the confirmation queue, the
// traffic meter, the lock's renewal): a test moves time by hand and the timers due by then fire, in order.
// Nothing waits on the wall clock, so these tests behave the same on an idle or a loaded machine.
export interface ManualTime {
  now(): number;
  setTimer(fn: () => void, ms: number): void;
  /** Calls `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
  /** Moves time forward by `ms`, firing every timer due by then (in due order, each at its own time). */
  advance(ms: number): Promise<void>;
  /** Timers still waiting. */
  readonly pending: number;
}

/** Lets queued callbacks (promise reactions, setImmediate) run: a few turns of the event loop, no wall time. */
export async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

export function manualTime(start = 0): ManualTime {
  let t = start;
  let seq = 0;
  const timers: { at: number; seq: number; fn: () => void }[] = [];
  const setTimer = (fn: () => void, ms: number) => {
    timers.push({ at: t + Math.max(0, ms), seq: seq++, fn });
  };
  return {
    now: () => t,
    setTimer,
    every(ms, fn) {
      let active = true;
      const tick = () => {
        if (!active) return;
        fn();
        setTimer(tick, ms);
      };
      setTimer(tick, ms);
      return () => {
        active = false;
      };
    },
    async advance(ms) {
      const end = t + ms;
      for (;;) {
        await turns();
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const next = timers[0];
        if (!next || next.at > end) break;
        timers.shift();
        t = next.at;
        next.fn();
      }
      t = end;
      await turns();
    },
    get pending() {
      return timers.length;
    },
  };
}
