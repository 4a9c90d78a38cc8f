// Crash safety: a sender in a child process is killed with SIGKILL at random points (after the server has taken
// a random number of messages, or during start-up, recovery and the first claims), sometimes twice in a row,
// and the send is then run again at once, against a real SMTP server in this process. Every subscriber ends
// with the edition; duplicates happen only for messages that were in flight at a kill (at most
// SMTP_MAX_CONNECTIONS per kill) and carry the same Message-ID as the first copy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { sendFixture, prng, type SendFixture } from './setup.js';
import { startSmtpSink, type ReceivedMessage, type SmtpSink } from '../helpers/smtp-sink.js';
import { testConfig } from '../helpers/app.js';
import { startChildSender, childEnv, killChildSenders, type ChildSender } from './child-sender.js';
import { createApp } from '../../src/app.js';
import { silentLogger } from '../../src/lib/logger.js';
import { sendDue } from '../../src/mail/send-edition.js';

// Each trial costs one or two fresh processes (~2 s of CPU each: the app's modules, MJML's thread, the edition's
// compile), most of this test's time; SEND_CRASH_TRIALS runs more (with SEND_CRASH_SEED to replay one).
const TRIALS = Number(process.env.SEND_CRASH_TRIALS ?? 6);
const AUDIENCE = 24;
const IN_FLIGHT = 3; // SMTP_MAX_CONNECTIONS: the engine's in-flight bound
// Trials whose sender processes are started ahead: loading one takes longer than running a trial, so a few load
// at once (on both cores) while an earlier trial runs.
const AHEAD = 3;

interface Trial {
  db: string;
  /** Killed runs, started ahead: they load while earlier trials run, then wait for "go". */
  runs: ChildSender[];
}

describe('kill -9 during a send, then run again', () => {
  let smtp: SmtpSink;
  let f: SendFixture;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    f = await sendFixture({ subscribers: AUDIENCE, smtp, env: { SMTP_MAX_CONNECTIONS: String(IN_FLIGHT) } });
    f.app.db.pragma('wal_checkpoint(TRUNCATE)');
  });
  afterAll(async () => {
    killChildSenders();
    await f.close();
  });

  it(`loses nothing and duplicates only in-flight messages, with the same Message-ID (${TRIALS} trials)`, async () => {
    const seed = Number(process.env.SEND_CRASH_SEED ?? Date.now() % 1_000_000); // printed on failure, to replay
    const random = prng(seed);
    const started = Date.now();
    let current: ReceivedMessage[] = [];
    let onTrialMessage: (() => void) | undefined;
    smtp.faults.onMessage = (m) => {
      current.push(m);
      onTrialMessage?.();
    };
    // A little latency per message, so that kills land in the middle of the fan-out.
    smtp.faults.dataDelayMs = () => 2 + Math.floor(random() * 8);

    const startTrial = (i: number): Trial => {
      const db = join(f.app.dir, `trial-${i}.db`);
      copyFileSync(f.app.config.databasePath, db);
      const env = childEnv({ config: f.app.config, databasePath: db, editionId: f.edition.id });
      return { db, runs: Array.from({ length: random() < 0.3 ? 2 : 1 }, () => startChildSender(env)) };
    };

    let landed = 0;
    let duplicatesSeen = 0;
    let trials = 0;
    const ahead: Trial[] = [];
    for (let i = 0; i < Math.min(AHEAD, TRIALS); i++) ahead.push(startTrial(i));
    for (let trial = 0; trial < TRIALS; trial++) {
      const { db, runs } = ahead.shift()!;
      if (trial + AHEAD < TRIALS) ahead.push(startTrial(trial + AHEAD));
      await Promise.all(runs.map((r) => r.ready));
      current = [];
      const plan: string[] = [];
      let killsLanded = 0;

      for (const run of runs) {
        const seen = current.length;
        // Kill after the server took `after` more messages (plus 0–5 ms), or, one time in five, at a random
        // moment in the first 50 ms (recovery, compiling the edition, the first claims).
        const early = random() < 0.2;
        const after = 1 + Math.floor(random() * Math.max(1, (AUDIENCE - seen) * 0.9));
        const extra = Math.floor(random() * 6);
        plan.push(early ? `kill at ${extra * 10} ms` : `kill after ${after} messages + ${extra} ms`);
        if (early) setTimeout(() => run.kill9(), extra * 10);
        else
          onTrialMessage = () => {
            if (current.length - seen === after) setTimeout(() => run.kill9(), extra);
          };
        run.go();
        const exit = await run.exited;
        onTrialMessage = undefined;
        if (exit.signal === 'SIGKILL') killsLanded++;
      }
      landed += killsLanded;

      // Run it again, right away, here: the crash rule must see that the killed sender's process is gone.
      const again = createApp(testConfig(f.app.dir, { SMTP_URL: smtp.url, SMTP_MAX_CONNECTIONS: String(IN_FLIGHT), DATABASE_PATH: db }), { logger: silentLogger() });
      const context = `trial ${trial} (${plan.join(', ')}), seed ${seed}`;
      try {
        const outcome = await sendDue(again, again.sendSettings, { editionId: f.edition.id });
        expect(outcome, context).toMatchObject({ paused: false, remaining: 0, failed: 0, bounced: 0 });

        // What the server received in this trial, per recipient, against the ledger.
        const copies = new Map<string, string[]>();
        for (const m of current) for (const to of m.to) copies.set(to, [...(copies.get(to) ?? []), m.messageId ?? '']);
        const rows = again.db
          .prepare('SELECT s.email, d.status, d.message_id FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.edition_id = ?')
          .all(f.edition.id) as { email: string; status: string; message_id: string }[];
        expect(rows, context).toHaveLength(AUDIENCE);
        let duplicates = 0;
        for (const d of rows) {
          expect(d.status, `${context}: ${d.email}`).toBe('sent');
          const got = copies.get(d.email) ?? [];
          expect(got.length, `${context}: ${d.email} received nothing`).toBeGreaterThanOrEqual(1);
          expect(new Set(got), `${context}: ${d.email} Message-IDs`).toEqual(new Set([d.message_id]));
          duplicates += got.length - 1;
        }
        expect(duplicates, `${context}: duplicates beyond the in-flight bound`).toBeLessThanOrEqual(IN_FLIGHT * killsLanded);
        expect(again.db.prepare('SELECT count(*) AS n FROM send_workers').get(), context).toEqual({ n: 0 });
        duplicatesSeen += duplicates;
        trials++;
      } finally {
        await again.close();
      }
    }
    // Most kills land mid-send (a run may finish before its kill point now and then).
    expect(trials).toBe(TRIALS);
    expect(landed).toBeGreaterThanOrEqual(trials * 0.8);
    console.log(`crash test: ${trials} trials, ${landed} kills landed, ${duplicatesSeen} duplicates in all, ${((Date.now() - started) / 1000).toFixed(1)} s, seed ${seed}`);
  }, 240_000);
});
