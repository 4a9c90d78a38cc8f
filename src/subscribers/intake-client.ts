// The HTTP thread's side of the subscribe intake: hands each request to the intake thread (intake-worker.ts) and
// does nothing else with it, so answering a subscribe request costs the same whatever the address's state — no
// read, no write, no email on this thread (the timing side channel this closes: a request right after one that
// triggered a confirmation email used to be measurably slower). One intake thread per process, started with the
// first request; each app (tests build many) opens its own intake in it, with its own database and mailer.
// Invariant: every request handed over is written or counted as dropped; if the thread dies, what it had not
// finished is counted as dropped (worker_failed) and the next request starts a new thread.
import { HELPER_THREAD_LIMITS, workerUrl } from '../lib/worker-thread.js';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { describeError } from '../lib/errors.js';
import { createIntakeCounters, type IntakeCounters } from './intake-counters.js';
import type { IntakeSettings, SubscribeInput } from './intake.js';

/** What the intake thread needs to open one app's intake (structured-cloned into the thread). */
export interface IntakeOpenData {
  config: Pick<Config, 'databasePath' | 'mail'>;
  settings: IntakeSettings;
  logLevel: string;
  busyTimeoutMs?: number | undefined;
  mailConnections: number;
  counters: SharedArrayBuffer;
  /** Apply the subscribe spool at once: a process that stopped left requests in it. */
  resumeSpool?: boolean | undefined;
}

export type ToIntake =
  | { t: 'open'; key: number; data: IntakeOpenData }
  | { t: 'subscribe'; key: number; items: { input: SubscribeInput; at: string }[] }
  | { t: 'resume'; key: number }
  | { t: 'drain' | 'close'; key: number; id: number };
export type FromIntake = { key: number } & (
  | { t: 'reply'; id: number }
  | { t: 'commit'; ok: boolean; code: string | null }
  | { t: 'log'; line: string }
);

export interface IntakeClient {
  subscribe(input: SubscribeInput, at: Date): void;
  /** Starts the intake now to apply the requests a stopped process left in the subscribe spool (SQLite). */
  resume(): void;
  /** Counts a foreground HTTP request (the intake's confirmation emails yield while there are many). */
  noteForegroundRequest(): void;
  /** Resolves when every request handed over so far is written and its confirmation email handed to the mailer. */
  drain(): Promise<void>;
  /** Drains, then closes this app's intake (its connection and mailer). */
  close(): Promise<void>;
  readonly counters: IntakeCounters;
}

export interface IntakeClientOptions {
  config: Pick<Config, 'databasePath' | 'mail'>;
  settings: IntakeSettings;
  logger: Logger;
  busyTimeoutMs?: number | undefined;
  /** Each real commit attempt of the intake (readiness); `ok` false with the SQLite code when it failed. */
  onCommit?: ((ok: boolean, code: string | null) => void) | undefined;
}

interface Member {
  onMessage(m: FromIntake): void;
  onError(err: unknown): void;
  onExit(): void;
}

/** The process's intake thread, shared by every app in it; referenced (keeps the process alive) while an app has it open. */
let thread: { worker: Worker; members: Map<number, Member> } | undefined;
let nextKey = 1;

function intakeThread(): NonNullable<typeof thread> {
  if (thread) return thread;
  // Running from TypeScript sources (tsx, vitest) the thread needs tsx registered first; the build runs the .js.
  const worker = new Worker(workerUrl('intake-worker', import.meta.url), { resourceLimits: HELPER_THREAD_LIMITS });
  const t = { worker, members: new Map<number, Member>() };
  worker.on('message', (m: FromIntake) => t.members.get(m.key)?.onMessage(m));
  worker.on('error', (err) => {
    for (const member of t.members.values()) member.onError(err);
  });
  worker.on('exit', () => {
    if (thread === t) thread = undefined;
    for (const member of t.members.values()) member.onExit();
    t.members.clear();
  });
  thread = t;
  return t;
}

/** How long a subscribe request waits on the HTTP thread to be handed over with the others of that moment. */
export const OUTBOX_MS = 5;

const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export function createIntakeClient(o: IntakeClientOptions): IntakeClient {
  const counters = createIntakeCounters();
  const key = nextKey++;
  let joined: NonNullable<typeof thread> | undefined;
  let nextId = 1;
  const replies = new Map<number, () => void>();
  // Requests handed over, ever; the thread counts those it is done with (written or dropped) in `finished`.
  let posted = 0;
  let resumeSpool = false;
  // Requests of the next OUTBOX_MS, posted together: one message (one structured clone, one wake-up of the thread)
  // per 5 ms instead of one per request or per event-loop turn. At a few thousand requests a second a turn holds one
  // or two, and posting each took ~11 µs of the HTTP thread's ~65 µs per subscribe (bench:http's CPU profile); the
  // intake's group commit gets the bigger batches too. The 202 never waits for either.
  let outbox: { input: SubscribeInput; at: string }[] = [];
  let outboxScheduled = false;
  const flushOutbox = () => {
    outboxScheduled = false;
    if (!outbox.length) return;
    const items = outbox;
    outbox = [];
    join().worker.postMessage({ t: 'subscribe', key, items } satisfies ToIntake);
  };

  const member: Member = {
    onMessage(m) {
      if (m.t === 'log') return relayLog(o.logger, m.line);
      if (m.t === 'commit') return o.onCommit?.(m.ok, m.code);
      const reply = replies.get(m.id);
      replies.delete(m.id);
      reply?.();
    },
    onError(err) {
      o.logger.error({ event: 'subscriber.intake_failed', err: describeError(err) }, 'the subscribe intake thread failed');
    },
    onExit() {
      joined = undefined;
      // What it had not finished is gone with it: counted, never silent. (Requests still in the outbox were never
      // handed to it: they go to the next thread.)
      const lost = posted - outbox.length - counters.get('finished');
      if (lost > 0) {
        counters.add('worker_failed', lost);
        counters.add('finished', lost);
        counters.add('waiting', -counters.get('waiting'));
        o.logger.error({ event: 'subscriber.subscribe_dropped', count: lost, reason: 'worker_failed' }, 'the subscribe intake thread stopped with requests not written');
      }
      for (const reply of replies.values()) reply();
      replies.clear();
    },
  };

  const join = (): NonNullable<typeof thread> => {
    if (joined && joined === thread) return joined;
    const t = intakeThread();
    const data: IntakeOpenData = {
      config: { databasePath: o.config.databasePath, mail: o.config.mail },
      settings: o.settings,
      logLevel: o.logger.level,
      busyTimeoutMs: o.busyTimeoutMs,
      mailConnections: Math.max(1, Math.min(o.config.mail.maxConnections, o.settings.confirmConcurrency ?? 4)),
      counters: counters.buffer,
      resumeSpool,
    };
    resumeSpool = false;
    t.members.set(key, member);
    t.worker.ref();
    t.worker.postMessage({ t: 'open', key, data } satisfies ToIntake);
    joined = t;
    return t;
  };

  const ask = (t: 'drain' | 'close'): Promise<void> => {
    flushOutbox(); // what was handed over before this call is part of it
    if (!joined) return Promise.resolve();
    const id = nextId++;
    const done = new Promise<void>((resolve) => replies.set(id, resolve));
    joined.worker.postMessage({ t, key, id } satisfies ToIntake);
    return done;
  };

  return {
    counters,
    subscribe(input, at) {
      join(); // started (or restarted) now, as before: the thread that will take this request is the one counted
      posted++;
      outbox.push({ input, at: at.toISOString() });
      if (!outboxScheduled) {
        outboxScheduled = true;
        setTimeout(flushOutbox, OUTBOX_MS);
      }
    },
    resume() {
      if (joined && joined === thread) joined.worker.postMessage({ t: 'resume', key } satisfies ToIntake);
      else {
        resumeSpool = true; // sent with the intake's opening
        join();
      }
    },
    noteForegroundRequest() {
      counters.add('foreground');
    },
    drain: () => ask('drain'),
    async close() {
      const t = joined;
      if (!t) return;
      await ask('close');
      t.members.delete(key);
      joined = undefined;
      // The thread stays for the next app of this process, but no longer keeps the process alive by itself.
      if (t.members.size === 0) t.worker.unref();
    },
  };
}

/** A log line of the intake thread, written through the HTTP thread's logger (one logger, one destination). */
function relayLog(logger: Logger, line: string): void {
  try {
    const { level, time: _time, msg, ...fields } = JSON.parse(line) as { level: number; time?: unknown; msg?: string } & Record<string, unknown>;
    logger[LEVELS[level] ?? 'info'](fields, msg ?? '');
  } catch {
    logger.warn({ event: 'subscriber.intake_log_unreadable' }, 'unreadable log line from the intake thread');
  }
}
