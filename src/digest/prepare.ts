// Prepares the edition for a date: the frozen ranking, a snapshot of each paper shown, and one delivery per active
// subscriber with that subscriber's selection — daily readers the day's trending papers, weekly readers (on
// WEEKLY_DIGEST_DAY) the best of the past 7 days. A second call changes nothing.
// In steps, so that a million subscribers never hold the event loop or the write lock for long: the first short
// transaction decides the edition (empty, or 'preparing' with its audience frozen: subscriber ids up to the largest
// one, confirmed by then), then each step writes the deliveries of a few pages of subscribers in its own transaction
// and moves prepared_through on, and the last one marks the edition 'ready'. A crash leaves a 'preparing' edition that
// the next call resumes after prepared_through (UNIQUE (edition_id, subscriber_id) keeps anyone from getting two);
// the edition's lock (`prepare:<date>` in locks) keeps a second process from preparing it at the same time.
// prepareEdition runs every step at once (the CLI, tests); prepareEditionInSteps yields between steps (the server).
// The never-twice ledger is not written here: a paper counts as sent when the SMTP server accepts the email.
import type { Db } from '../db/open.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { createCandidatesRepo } from '../db/candidates-repo.js';
import { createPapersRepo } from '../db/papers-repo.js';
import { createSentPapersRepo } from '../db/sent-papers-repo.js';
import { createProfilesRepo } from '../db/profiles-repo.js';
import { buildPersonalEdition, personalFor, personalPool, type PersonalEdition } from '../rank/personal.js';
import { createEditionsRepo, type EditionRow } from '../db/editions-repo.js';
import { editionWindow, rankEdition, type EditionRanking, type Precomputed, type RankSettings } from '../rank/edition.js';
import { checkpointsOffThread, rankOffThread, releasePreparationThread } from './prepare-thread.js';
import { selectForSubscriber, type PersonalOptions, type Section } from '../rank/select.js';
import type { ProfileEntry } from '../rank/profile.js';
import type { Candidate, ScoredPaper, TopicMatches, TrendParams } from '../rank/types.js';
import { snapshotPaper } from './snapshot.js';
import { addDays, deliveryTimes, weekday } from './schedule.js';
import { digestSubject, type DigestKind } from './subject.js';
import { digestMessageIds } from '../lib/tokens.js';
import { newLockOwner, releaseLock, renewLock, tryAcquireLock } from '../jobs/lock.js';
import { editionPreparationRepo } from '../db/edition-preparation-repo.js';
import { AppError } from '../lib/errors.js';

export interface PrepareSettings extends RankSettings {
  size: number;
  topicSectionSize: number;
  /** PICKED_SECTION_SIZE: papers in a reader's "Picked for you" (readers with a profile only). */
  pickedSectionSize: number;
  resendStillTrending: boolean;
  secretKey: string;
  messageIdDomain: string;
  /** WEEKLY_DIGEST_DAY: weekly subscribers get the week's best on this ISO weekday (1 = Monday … 7 = Sunday). */
  weeklyDay: number;
}

export interface PrepareResult {
  edition: EditionRow;
  created: boolean;
  /** Deliveries written by this call (a resumed preparation counts only what it wrote itself). */
  deliveries: number;
  skipped: number;
  /** This call resumed a preparation that an earlier (crashed or interrupted) one left. */
  resumed?: boolean;
}

export interface StepOptions {
  /** Subscribers read per page at most (one set of range queries each; fewer when less of the step's budget is left). */
  pageSize?: number | undefined;
  /** A step (one transaction) ends after the first page that takes it past this many milliseconds. */
  stepBudgetMs?: number | undefined;
  /**
   * Called after each committed step (tests kill a process here; the bench times steps: `startedAt` is
   * performance.now() before BEGIN, `bodyMs` the time inside the transaction, between BEGIN and COMMIT).
   */
  onStep?: ((p: { editionId: number; preparedThrough: number; audienceMaxId: number; startedAt: number; bodyMs: number }) => void) | undefined;
  /** Called when a WAL checkpoint on the helper thread ends (the bench lines them up with slow steps). */
  onCheckpoint?: ((c: { startedAt: number; ms: number }) => void) | undefined;
  /** Stops between steps: the edition stays 'preparing' and the next call resumes it. */
  signal?: AbortSignal | undefined;
}

const PAGE = 500;
/** The smallest page read when little of a step's budget is left (its range queries cost about as much as 25 readers). */
const MIN_PAGE = 25;
/** Well under the 250 ms the event loop may be held: a page of 500 readers takes a few milliseconds. */
const STEP_BUDGET_MS = 40;
const WEEK_HOURS = 7 * 24;
/** The edition's lock outlives a stalled step by far; every step renews it inside its own transaction. */
export const PREPARE_LOCK_TTL_MS = 5 * 60_000;
export const prepareLockName = (date: string) => `prepare:${date}`;

/**
 * The weekly ranking: growth over the 7 days up to the cut-off, every vote of the week counting alike (no
 * half-life), and reasons measured over about a week ("+85 upvotes in 7 days").
 */
export function weeklyTrend(trend: TrendParams): TrendParams {
  return { ...trend, windowHours: WEEK_HOURS, halfLifeHours: Number.POSITIVE_INFINITY, factBaselineHours: WEEK_HOURS - 4 };
}

type Deps = { db: Db; clock: Clock; logger: Logger };
type PrepareOptions = { emptyReason?: string; failedParts?: string[] };

/** Prepares the edition in one go (each step still its own transaction, so a crash is resumable). */
export function prepareEdition(deps: Deps, date: string, s: PrepareSettings, options: PrepareOptions & StepOptions = {}): PrepareResult {
  const p = begin(deps, date, s, options);
  if ('done' in p) return p.done;
  try {
    while (!p.step()) if (options.signal?.aborted) throw interrupted(date, options.signal);
    return p.finish();
  } finally {
    p.release();
  }
}

/** Prepares the edition a step at a time, letting the event loop run between steps (the server's daily job). */
export async function prepareEditionInSteps(deps: Deps, date: string, s: PrepareSettings, options: PrepareOptions & StepOptions = {}): Promise<PrepareResult> {
  const existing = createEditionsRepo(deps.db).getByDate(date);
  if (existing?.status === 'ready') return { edition: existing, created: false, deliveries: 0, skipped: 0 };
  // Loading and scoring the candidate window is one long synchronous run: on its own thread, over its own connection
  // (an in-memory database has no file to share: ranked here).
  const file = deps.db.name;
  const trends = weekday(date) === s.weeklyDay ? [s.trend, weeklyTrend(s.trend)] : [s.trend];
  const pre =
    file && !deps.db.memory
      ? await rankOffThread({ databasePath: file, date, settings: rankSettings(s), trends }).catch((err: unknown) => {
          // The same ranking is computed here then (slower for the event loop, never wrong).
          deps.logger.warn({ event: 'edition.rank_thread_failed', date, err: (err as Error).message }, 'ranking on the server thread instead');
          return undefined;
        })
      : undefined;
  const p = begin(deps, date, s, options, pre);
  if ('done' in p) return p.done;
  // Thousands of commits: their checkpoints (copying the WAL into the file, an fsync) run on another thread.
  const checkpoints = checkpointsOffThread(deps.db, options.onCheckpoint);
  try {
    for (;;) {
      // setImmediate, not a promise tick: pending I/O (HTTP requests, the intake thread's answers) runs first.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) throw interrupted(date, options.signal);
      if (p.step()) break;
      checkpoints.tick();
    }
    return p.finish();
  } finally {
    await checkpoints.stop();
    p.release();
    releasePreparationThread();
  }
}

function interrupted(date: string, signal: AbortSignal): AppError {
  return new AppError('JOB_INTERRUPTED', `preparing the ${date} edition was interrupted; the next run resumes it`, { cause: signal.reason });
}

interface Preparation {
  /** Writes the next step in one transaction; true when every subscriber of the audience is done. */
  step(): boolean;
  /** Marks the edition ready. */
  finish(): PrepareResult;
  release(): void;
}

/** The ranking's own settings, as plain data (they cross to the ranking thread). */
function rankSettings(s: PrepareSettings): RankSettings {
  return { candidateWindowDays: s.candidateWindowDays, trend: s.trend, timezone: s.timezone, defaultHour: s.defaultHour };
}

function begin(deps: Deps, date: string, s: PrepareSettings, options: PrepareOptions & StepOptions, pre?: Precomputed): Preparation | { done: PrepareResult } {
  const { db, clock, logger } = deps;
  const editions = createEditionsRepo(db);
  // A ready edition is frozen. An empty one is not: it holds no papers and no deliveries, so preparing the date
  // again (after a failed ingest was fixed, say) may replace it.
  const existing = editions.getByDate(date);
  if (existing?.status === 'ready') return { done: { edition: existing, created: false, deliveries: 0, skipped: 0 } };

  const lockName = prepareLockName(date);
  const owner = newLockOwner();
  if (!tryAcquireLock(db, lockName, owner, clock.now(), PREPARE_LOCK_TTL_MS))
    throw new AppError('JOB_LOCKED', `another process is preparing the ${date} edition`);
  const release = () => {
    if (db.open) releaseLock(db, lockName, owner);
  };
  try {
    const p = start(deps, date, s, options, owner, pre);
    if ('done' in p) release();
    return 'done' in p ? p : { ...p, release };
  } catch (err) {
    release();
    throw err;
  }
}

function start(
  deps: Deps,
  date: string,
  s: PrepareSettings,
  options: PrepareOptions & StepOptions,
  owner: string,
  pre: Precomputed | undefined,
): Omit<Preparation, 'release'> | { done: PrepareResult } {
  const { db, clock, logger } = deps;
  const editions = createEditionsRepo(db);
  const nowIso = clock.now().toISOString();
  const candidatesRepo = createCandidatesRepo(db);
  const sentPapers = createSentPapersRepo(db);
  const papers = createPapersRepo(db);
  const profiles = createProfilesRepo(db);
  const pageSize = options.pageSize ?? PAGE;
  const budgetMs = options.stepBudgetMs ?? STEP_BUDGET_MS;
  const lockName = prepareLockName(date);

  // Rank as of the edition's cut-off (the end of its date): the same whenever this runs (rank/edition.ts), so a
  // resumed preparation ranks exactly as the one that started it. Read before any write lock is taken.
  const daily = rankEdition(candidatesRepo, date, s, pre);
  const { candidates } = daily;
  const previous = editions.latestReadyBefore(date);
  const dailyFresh = (previous ? newSince(candidates, previous.date, s) : candidates).length > 0;
  // Weekly readers get the week's best on their day, even when the day itself brought nothing new (a Sunday).
  const isWeeklyDay = weekday(date) === s.weeklyDay;
  const weeklyFresh = isWeeklyDay && newSince(candidates, addDays(date, -7), s).length > 0;
  let weekly: EditionRanking | undefined;
  const weeklyRanking = () => (weekly ??= daily.withTrend(weeklyTrend(s.trend)));

  const writes = editionPreparationRepo(db);
  // The first transaction: resume a preparing edition, or decide the edition and freeze its audience.
  const opened = db
    .transaction((): { done: PrepareResult } | { edition: EditionRow; resumed: boolean } => {
      const again = editions.getByDate(date);
      if (again?.status === 'ready') return { done: { edition: again, created: false, deliveries: 0, skipped: 0 } };
      if (again?.status === 'preparing') return { edition: again, resumed: true };
      if (again) writes.deleteEmpty(again.id);
      const emptyReason =
        options.emptyReason ??
        (candidates.length === 0
          ? 'no papers in the candidate window'
          : !dailyFresh && !weeklyFresh
            ? `nothing new since the ${previous?.date} edition${options.failedParts?.length ? `; failed to ingest: ${options.failedParts.join(', ')}` : ''}`
            : null);
      if (emptyReason) {
        writes.insertEmpty(date, nowIso, emptyReason);
        logger.info({ event: 'edition.empty', date, reason: emptyReason }, 'edition has nothing to send');
        return { done: { edition: editions.getByDate(date)!, created: true, deliveries: 0, skipped: 0 } };
      }
      // The archive's subject; each reader's own subject comes from the first paper of their digest (render.ts).
      const lead = (dailyFresh ? daily : weeklyRanking()).trending[0]!;
      const subject = digestSubject(dailyFresh ? 'daily' : 'weekly', date, papers.get(lead.id)?.title ?? '');
      // The audience, decided once: whoever is active now has an id up to the largest and was confirmed by now.
      const id = writes.openPreparing(date, nowIso, subject);
      return { edition: editions.get(id)!, resumed: false };
    })
    .immediate();
  if ('done' in opened) return opened;

  const edition = opened.edition;
  const editionId = edition.id;
  const audienceMaxId = edition.audience_max_id ?? 0;
  const audienceAt = edition.audience_at ?? edition.prepared_at;
  let preparedThrough = edition.prepared_through ?? 0;
  if (opened.resumed) logger.warn({ event: 'edition.prepare_resumed', date, editionId, preparedThrough, audienceMaxId }, 'resuming an interrupted preparation');

  const noneSent = new Set<string>();

  // The edition's own ranking (the archive page, its top papers): the day's, or on a weekly-only day the week's.
  const main = dailyFresh ? daily : weeklyRanking();
  const rankOf = new Map(main.trending.map((p, i) => [p.id, i]));
  const candidateById = new Map(candidates.map((c) => [c.id, c]));
  // Papers already in edition_papers: a step adds the ones its readers were shown first (so a resumed preparation,
  // and the sender, find every paper of every delivery written so far).
  const stored = new Set<string>(editions.papers(editionId).map((p) => p.paper_id));
  const storeShown = (ids: Iterable<string>) => {
    for (const id of ids) {
      if (stored.has(id)) continue;
      const i = rankOf.get(id);
      if (i === undefined) continue;
      stored.add(id);
      const scored = main.trending[i]!;
      const row = papers.get(id)!;
      writes.insertPaper(editionId, id, i + 1, scored.score, scored.reason, JSON.stringify(snapshotPaper(row, scored, latestCounters(candidateById.get(id)!))));
    }
  };
  // Each copy is due at the subscriber's local hour, never before the edition's publication (digest/schedule.ts).
  const dueAt = deliveryTimes(date, { hour: s.defaultHour, timezone: s.timezone });
  const fromDate = daily.from.slice(0, 10);
  const messageIdOf = digestMessageIds(s.secretKey, date, s.messageIdDomain);
  // Readers with a profile: the pool, its index and the profile papers' vectors, built once per ranking on first
  // use (an edition without profiles builds nothing).
  const personal = new Map<DigestKind, PersonalEdition>();
  const personalEdition = (kind: DigestKind, ranking: EditionRanking): PersonalEdition => {
    let pe = personal.get(kind);
    if (!pe) {
      const since = kind === 'weekly' ? addDays(date, -7) : previous?.date;
      const fresh = new Set((since ? newSince(candidates, since, s) : candidates).map((c) => c.id));
      const pool = personalPool(ranking.trending, (p) => fresh.has(p.id));
      pe = buildPersonalEdition(pool, profiles.texts(pool.map((p) => p.id)));
      personal.set(kind, pe);
    }
    return pe;
  };
  let deliveries = 0;
  let skipped = 0;
  const shownCount = () => stored.size;
  // Readers written per millisecond so far (a moving average over pages), to size each page to the budget left: a
  // step that read a full page of readers' topics, ledger and profiles to write the first 150 of them read the rest
  // again in the next step (at 1M readers that was about 1.4 readers read per reader written on a quiet machine, ~4 on a
  // loaded one, where fewer fit in a step).
  let perMs = 0;
  const nextPageSize = (deadline: number): number =>
    perMs > 0 ? Math.min(pageSize, Math.max(MIN_PAGE, Math.ceil((deadline - performance.now()) * perMs * 1.25))) : pageSize;

  /**
   * Up to a page of subscribers after `after`: their deliveries written; returns the last id done, or null at the end.
   * Past the deadline it stops after the subscriber in hand (a page's first readers can each match topics never
   * seen before, an FTS query each): a step never runs much past its budget.
   */
  const preparePage = (after: number, deadline: number): number | null => {
    const subs = writes.audiencePage(after, audienceMaxId, audienceAt, nextPageSize(deadline));
    if (!subs.length) return null;
    const last = subs[subs.length - 1]!.id;
    let doneThrough = after;
    // Two range queries per page instead of two queries per subscriber. Already had = accepted (the ledger)
    // or still outstanding in an earlier edition (it may yet be accepted).
    const topicsByPage = candidatesRepo.topicsOf(after, last);
    const hadByPage = sentPapers.alreadyHad(fromDate, after, last, editionId);
    // Profiles too: one range query per page, and the text of papers not seen yet in this edition in one more.
    const profilesByPage = profiles.inRange(after, last);
    // Their rows as scoring input, per ranking (daily, weekly), resolved for the whole page at the first reader who needs it.
    const resolved = new Map<DigestKind, Map<number, ProfileEntry[]>>();
    const shown = new Set<string>();
    const started = performance.now();
    let done = 0;
    for (const sub of subs) {
      if (doneThrough !== after && performance.now() > deadline) break;
      doneThrough = sub.id;
      done++;
      if (sub.paused) continue;
      const kind: DigestKind = sub.frequency === 'weekly' ? 'weekly' : 'daily';
      if (kind === 'weekly' ? !weeklyFresh : !dailyFresh) continue;
      // Every distinct topic query is matched once per ranking (memoized), for everyone who follows it.
      const ranking = kind === 'weekly' ? weeklyRanking() : daily;
      const topics: TopicMatches[] = [];
      for (const t of topicsByPage.get(sub.id) ?? []) {
        const m = ranking.topic(t);
        if (m) topics.push(m);
      }
      const alreadySent = hadByPage.get(sub.id) ?? noneSent;
      const profile = profilesByPage.get(sub.id);
      let personal: PersonalOptions | undefined;
      if (profile) {
        const pe = personalEdition(kind, ranking);
        let byReader = resolved.get(kind);
        if (!byReader) resolved.set(kind, (byReader = pe.profilesOf(profilesByPage, (ids) => profiles.texts(ids))));
        personal = personalFor(pe, byReader.get(sub.id), { pickedSize: s.pickedSectionSize, size: s.size, alreadySent, byId: ranking.byId });
      }
      const sections: Section[] = selectForSubscriber(
        ranking.trending,
        topics,
        { size: s.size, topicSectionSize: s.topicSectionSize, alreadySent, resendStillTrending: s.resendStillTrending && kind === 'daily' },
        personal,
      );
      const due = dueAt({ hour: sub.delivery_hour, timezone: sub.timezone });
      const messageId = messageIdOf(sub.id);
      // A subscriber who has had every trending paper already gets no email (never a blank one).
      const status = sections.length ? 'pending' : 'skipped';
      if (writes.insertDelivery({ editionId, subscriberId: sub.id, status, selectionJson: JSON.stringify(sections), dueAt: due, messageId, now: nowIso, kind })) {
        if (status === 'skipped') skipped++;
        else deliveries++;
      }
      for (const sec of sections) for (const p of sec.papers) shown.add(p.id);
    }
    storeShown(shown);
    const took = performance.now() - started;
    if (took > 0.5) perMs = perMs ? 0.7 * perMs + (0.3 * done) / took : done / took;
    return doneThrough;
  };

  const guard = () => {
    // Only this step's owner of the edition's lock may write: a step whose lease was taken over writes nothing.
    if (!renewLock(db, lockName, owner, clock.now(), PREPARE_LOCK_TTL_MS))
      throw new AppError('LOCK_LOST', `the lock of the ${date} edition was taken by another process`);
  };

  // The first step also stores the edition's own top papers (the archive's list), whoever reads them.
  let first = true;
  let bodyMs = 0;
  const step = db.transaction((): boolean => {
    const bodyStarted = performance.now();
    guard();
    if (first) {
      storeShown(main.trending.slice(0, s.size).map((p) => p.id));
      first = false;
    }
    const deadline = performance.now() + budgetMs;
    let through = preparedThrough;
    let done = false;
    do {
      const last = preparePage(through, deadline);
      if (last === null) {
        done = true;
        break;
      }
      through = last;
    } while (performance.now() < deadline);
    writes.moveOn(editionId, done ? audienceMaxId : through);
    preparedThrough = done ? audienceMaxId : through;
    bodyMs = performance.now() - bodyStarted;
    return done;
  });

  return {
    step() {
      const startedAt = performance.now();
      const done = step.immediate();
      options.onStep?.({ editionId, preparedThrough, audienceMaxId, startedAt, bodyMs });
      return done;
    },
    finish() {
      db.transaction(() => {
        guard();
        writes.markReady(editionId, audienceMaxId);
      }).immediate();
      logger.info(
        { event: 'edition.prepared', date, editionId, deliveries, skipped, papers: shownCount(), weekly: weekly !== undefined, topicQueries: daily.queriesRun(), resumed: opened.resumed },
        'edition prepared',
      );
      return { edition: editions.get(editionId)!, created: true, deliveries, skipped, ...(opened.resumed ? { resumed: true } : {}) };
    },
  };
}

/**
 * Candidates new since an earlier date: appeared, or first seen by us, after that date's cut-off (a backfill can
 * bring old papers we never had). None → nothing new. Cut-offs, not the times editions happened to be prepared:
 * the answer is the same whenever either edition was prepared.
 */
function newSince(candidates: Candidate[], sinceDate: string, s: PrepareSettings): Candidate[] {
  const cutoff = editionWindow(sinceDate, s).asOf;
  return candidates.filter((c) => c.firstSeenAt > cutoff || c.appearedAt > cutoff);
}

/** The latest counters up to the cut-off (or the late reading that stands for them), and whether any source
 * measured upvotes or comments at all (arXiv never does). */
function latestCounters(c: Candidate): { comments: number; githubStars: number | null; counted: boolean } {
  let comments = 0;
  let githubStars: number | null = null;
  let counted = false;
  for (const o of c.observations.length ? c.observations : c.late ? [c.late] : []) {
    if (o.comments !== null) comments = o.comments;
    if (o.githubStars !== null) githubStars = o.githubStars;
    if (o.upvotes !== null || o.comments !== null) counted = true;
  }
  return { comments, githubStars, counted };
}

export type { ScoredPaper };
