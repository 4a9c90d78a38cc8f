// Never twice, counted on acceptance: a paper counts as sent to a reader when the SMTP server accepted that
// reader's email (a real SMTP server in the test process); a bounced or finally failed delivery releases its
// papers, so the next edition may show them. Retention: after 60 simulated days the ledger holds only the rows
// the rule can still need (the candidate window plus the margin), pruned by the daily job in small batches.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runIngest } from '../../src/ingest/run-ingest.js';
import { prepareEdition } from '../../src/digest/prepare.js';
import { sendDue } from '../../src/mail/send-edition.js';
import { createSentPapersRepo, LEDGER_MARGIN_DAYS } from '../../src/db/sent-papers-repo.js';
import { createCandidatesRepo } from '../../src/db/candidates-repo.js';
import { rankEdition } from '../../src/rank/edition.js';
import { addDays } from '../../src/digest/schedule.js';
import { pruneLedger, runDailyJob } from '../../src/jobs/daily.js';
import type { Section } from '../../src/rank/select.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function selection(app: TestApp, date: string, subscriberId: number): string[] {
  const row = app.db
    .prepare('SELECT d.selection_json FROM deliveries d JOIN editions e ON e.id = d.edition_id WHERE e.date = ? AND d.subscriber_id = ?')
    .get(date, subscriberId) as { selection_json: string } | undefined;
  return row ? (JSON.parse(row.selection_json) as Section[]).flatMap((s) => s.papers.map((p) => p.id)) : [];
}
/** The papers the ledger counts as sent to a subscriber (one row per accepted digest, its ids as JSON). */
const ledgerOf = (app: TestApp, subscriberId: number) =>
  (app.db.prepare('SELECT j.value FROM sent_papers s, json_each(s.papers_json) j WHERE s.subscriber_id = ? ORDER BY j.value').pluck().all(subscriberId) as string[]);

describe('the sent-papers ledger counts acceptance', () => {
  it('an accepted email counts its papers; a bounced or finally failed one releases them for the next edition', async () => {
    const smtp: SmtpSink = await startSmtpSink();
    const clock = fixedClock('2026-08-20T07:00:00.000Z');
    const app = createTestApp({ SMTP_URL: smtp.url, SEND_PAUSE_AFTER_FAILURES: '100' }, { clock });
    cleanups.push(() => smtp.close(), () => app.cleanup());
    const now = () => clock.now().toISOString();
    const ok = app.subscriptions.repo.create({ email: 'ok@example.org', status: 'active', now: now() });
    const bouncer = app.subscriptions.repo.create({ email: 'bounce@example.org', status: 'active', now: now() });
    const failer = app.subscriptions.repo.create({ email: 'fail@example.org', status: 'active', now: now() });
    smtp.faults.rcpt = (to) => (to === 'bounce@example.org' ? { code: 550, message: '5.1.1 No such user' } : null);
    smtp.faults.data = (to) => (to.includes('fail@example.org') ? { code: 554, message: '5.6.0 Message content rejected' } : null);

    await runIngest({ ...app, sources: app.sources('file') }, { days: 7 });
    const first = prepareEdition(app, '2026-08-20', app.prepareSettings);
    // Preparing writes no ledger row: nothing has been accepted yet.
    expect(createSentPapersRepo(app.db).size()).toEqual({ digests: 0, papers: 0 });
    const sent = await sendDue(app, app.sendSettings, { editionId: first.edition.id });
    expect(sent).toMatchObject({ sent: 1, bounced: 1, failed: 1 });

    expect(ledgerOf(app, ok)).toEqual([...selection(app, '2026-08-20', ok)].sort());
    expect(ledgerOf(app, bouncer)).toEqual([]);
    expect(ledgerOf(app, failer)).toEqual([]);

    // The bounced reader fixes their mailbox and subscribes again; the next day's edition.
    app.subscriptions.repo.setStatus(bouncer, 'active', now());
    smtp.faults.rcpt = undefined;
    smtp.faults.data = undefined;
    clock.set('2026-08-21T07:00:00.000Z');
    await runIngest({ ...app, sources: app.sources('file') }, { days: 7 });
    prepareEdition(app, '2026-08-21', app.prepareSettings);
    const top = rankEdition(createCandidatesRepo(app.db), '2026-08-21', app.prepareSettings).trending.slice(0, app.config.digest.size).map((p) => p.id);
    const day1 = new Set(selection(app, '2026-08-20', ok));
    expect(top.some((id) => day1.has(id))).toBe(true); // some of 08-20's papers still trend on 08-21
    // The reader whose email was accepted never gets them again; the other two do (their papers were released).
    expect(selection(app, '2026-08-21', ok).filter((id) => day1.has(id))).toEqual([]);
    for (const reader of [bouncer, failer]) expect(selection(app, '2026-08-21', reader).slice(0, top.length)).toEqual(top);
  });
});

describe('ledger retention', () => {
  const DAY0 = '2026-06-01';
  const SUBSCRIBERS = 4;
  const PER_DIGEST = 6;

  /** One simulated day: an edition, a delivery per subscriber (distinct papers), each accepted, then the daily prune. */
  function simulateDay(app: TestApp, date: string, subs: number[]) {
    const editionId = Number(app.db.prepare("INSERT INTO editions (date, prepared_at, status, subject) VALUES (?, ?, 'ready', 's')").run(date, `${date}T07:00:00.000Z`).lastInsertRowid);
    const ledger = createSentPapersRepo(app.db);
    for (const sub of subs) {
      const papers = Array.from({ length: PER_DIGEST }, (_, i) => ({ id: `${date.replace(/-/g, '').slice(2)}.${sub}${i}`, reason: 'r' }));
      const id = Number(
        app.db
          .prepare("INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at) VALUES (?, ?, 'sent', ?, ?, ?, ?)")
          .run(editionId, sub, JSON.stringify([{ kind: 'trending', title: 'Top trending', papers }]), date, `<${date}.${sub}@x>`, date).lastInsertRowid,
      );
      ledger.recordAccepted(id);
    }
  }

  it('after 60 simulated days the ledger holds only the rows of the candidate window plus the margin', async () => {
    const app = createTestApp({}, { clock: fixedClock(`${DAY0}T07:00:00.000Z`) });
    cleanups.push(() => app.cleanup());
    const subs = Array.from({ length: SUBSCRIBERS }, (_, i) => app.subscriptions.repo.create({ email: `r${i}@example.org`, status: 'active', now: DAY0 }));
    const keep = app.config.digest.candidateWindowDays + LEDGER_MARGIN_DAYS;
    const sizes: number[] = [];
    for (let d = 0; d < 60; d++) {
      const date = addDays(DAY0, d);
      simulateDay(app, date, subs);
      await pruneLedger(app, date);
      sizes.push(createSentPapersRepo(app.db).size().papers);
    }
    const last = addDays(DAY0, 59);
    const oldestKept = addDays(last, -keep);
    const dates = app.db.prepare('SELECT DISTINCT e.date FROM sent_papers s JOIN editions e ON e.id = s.edition_id ORDER BY 1').pluck().all() as string[];
    expect(dates[0]).toBe(oldestKept);
    expect(dates).toHaveLength(keep + 1);
    expect(sizes.at(-1)).toBe((keep + 1) * SUBSCRIBERS * PER_DIGEST);
    // It grows for the retention period, then stays flat.
    expect(Math.max(...sizes)).toBe(sizes.at(-1));
    expect(sizes[keep + 5]).toBe(sizes.at(-1));
    // What the never-twice rule reads for the next edition is all still there.
    const from = addDays(addDays(last, 1), -app.config.digest.candidateWindowDays);
    const needed = app.db.prepare('SELECT sum(json_array_length(s.papers_json)) FROM sent_papers s JOIN editions e ON e.id = s.edition_id WHERE e.date >= ?').pluck().get(from) as number;
    expect(needed).toBe((app.config.digest.candidateWindowDays) * SUBSCRIBERS * PER_DIGEST);
  });

  it('prunes in small batches, yielding between them; the daily job prunes as part of its run', async () => {
    const app = createTestApp({}, { clock: fixedClock(`${addDays(DAY0, 80)}T07:00:00.000Z`) });
    cleanups.push(() => app.cleanup());
    const subs = Array.from({ length: SUBSCRIBERS }, (_, i) => app.subscriptions.repo.create({ email: `r${i}@example.org`, status: 'active', now: DAY0 }));
    for (let d = 0; d < 3; d++) simulateDay(app, addDays(DAY0, d), subs);
    let pauses = 0;
    const deleted = await createSentPapersRepo(app.db).prune(addDays(DAY0, 2), { batchSize: 3, pause: async () => void pauses++ });
    expect(deleted).toBe(2 * SUBSCRIBERS); // one row per accepted digest
    // 4 digests per edition in batches of 3: one full batch and a pause each, then the short one ends the edition.
    expect(pauses).toBe(2);
    expect(createSentPapersRepo(app.db).size()).toEqual({ digests: SUBSCRIBERS, papers: SUBSCRIBERS * PER_DIGEST });

    const job = await runDailyJob(app, { date: addDays(DAY0, 80), skipIngest: true });
    expect(job.ledgerPruned).toBe(SUBSCRIBERS);
    expect(createSentPapersRepo(app.db).size()).toEqual({ digests: 0, papers: 0 });
  });
});
