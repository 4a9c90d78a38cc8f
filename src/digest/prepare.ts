// Prepares the edition for a date in one transaction: the frozen ranking, a snapshot of each paper shown,
// and one delivery per active subscriber with that subscriber's selection — daily readers the day's trending
// papers, weekly readers (on WEEKLY_DIGEST_DAY) the best of the past 7 days. A second call changes nothing.
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
import { editionWindow, rankEdition, type EditionRanking, type RankSettings } from '../rank/edition.js';
import { selectForSubscriber, type Section } from '../rank/select.js';
import type { Candidate, ScoredPaper, TopicMatches, TrendParams } from '../rank/types.js';
import { snapshotPaper } from './snapshot.js';
import { addDays, deliveryTimes, weekday } from './schedule.js';
import { digestSubject, type DigestKind } from './subject.js';
import { digestMessageId } from '../lib/tokens.js';

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
  deliveries: number;
  skipped: number;
}

const PAGE = 1000;
const WEEK_HOURS = 7 * 24;

/**
 * The weekly ranking: growth over the 7 days up to the cut-off, every vote of the week counting alike (no
 * half-life), and reasons measured over about a week ("+85 upvotes in 7 days").
 */
export function weeklyTrend(trend: TrendParams): TrendParams {
  return { ...trend, windowHours: WEEK_HOURS, halfLifeHours: Number.POSITIVE_INFINITY, factBaselineHours: WEEK_HOURS - 4 };
}

export function prepareEdition(
  deps: { db: Db; clock: Clock; logger: Logger },
  date: string,
  s: PrepareSettings,
  options: { emptyReason?: string; failedParts?: string[] } = {},
): PrepareResult {
  const { db, clock, logger } = deps;
  const editions = createEditionsRepo(db);
  // A ready edition is frozen. An empty one is not: it holds no papers and no deliveries, so preparing the date
  // again (after a failed ingest was fixed, say) may replace it.
  const existing = editions.getByDate(date);
  if (existing?.status === 'ready') return { edition: existing, created: false, deliveries: 0, skipped: 0 };

  const nowIso = clock.now().toISOString();
  const candidatesRepo = createCandidatesRepo(db);
  const sentPapers = createSentPapersRepo(db);
  const papers = createPapersRepo(db);
  const profiles = createProfilesRepo(db);

  const run = db.transaction((): PrepareResult => {
    // Re-check inside the write lock: another process may have prepared it meanwhile.
    const again = editions.getByDate(date);
    if (again?.status === 'ready') return { edition: again, created: false, deliveries: 0, skipped: 0 };
    if (again) db.prepare("DELETE FROM editions WHERE id = ? AND status = 'empty'").run(again.id);

    // Rank as of the edition's cut-off (the end of its date): the same whenever this runs (rank/edition.ts).
    const daily = rankEdition(candidatesRepo, date, s);
    const { candidates } = daily;
    const previous = editions.latestReadyBefore(date);
    const dailyFresh = (previous ? newSince(candidates, previous.date, s) : candidates).length > 0;
    // Weekly readers get the week's best on their day, even when the day itself brought nothing new (a Sunday).
    const isWeeklyDay = weekday(date) === s.weeklyDay;
    const weeklyFresh = isWeeklyDay && newSince(candidates, addDays(date, -7), s).length > 0;
    const emptyReason =
      options.emptyReason ??
      (candidates.length === 0
        ? 'no papers in the candidate window'
        : !dailyFresh && !weeklyFresh
          ? `nothing new since the ${previous?.date} edition${options.failedParts?.length ? `; failed to ingest: ${options.failedParts.join(', ')}` : ''}`
          : null);
    if (emptyReason) {
      db.prepare("INSERT INTO editions (date, prepared_at, status, reason) VALUES (?, ?, 'empty', ?)").run(date, nowIso, emptyReason);
      logger.info({ event: 'edition.empty', date, reason: emptyReason }, 'edition has nothing to send');
      return { edition: editions.getByDate(date)!, created: true, deliveries: 0, skipped: 0 };
    }

    let weekly: EditionRanking | undefined;
    const weeklyRanking = () => (weekly ??= daily.withTrend(weeklyTrend(s.trend)));
    // The archive's subject; each reader's own subject comes from the first paper of their digest (render.ts).
    const lead = (dailyFresh ? daily : weeklyRanking()).trending[0]!;
    const subject = digestSubject(dailyFresh ? 'daily' : 'weekly', date, papers.get(lead.id)?.title ?? '');
    const editionId = Number(
      db.prepare("INSERT INTO editions (date, prepared_at, status, subject) VALUES (?, ?, 'ready', ?)").run(date, nowIso, subject).lastInsertRowid,
    );

    const noneSent = new Set<string>();
    const insertDelivery = db.prepare(`INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at, kind)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    const page = db.prepare<[number, number], { id: number; timezone: string | null; delivery_hour: number | null; frequency: string; paused: number }>(
      "SELECT id, timezone, delivery_hour, frequency, paused FROM subscribers WHERE status = 'active' AND id > ? ORDER BY id LIMIT ?",
    );

    // The edition's own ranking (the archive page, its top papers): the day's, or on a weekly-only day the week's.
    const main = dailyFresh ? daily : weeklyRanking();
    const shown = new Set<string>(main.trending.slice(0, s.size).map((p) => p.id));
    // Each copy is due at the subscriber's local hour, never before the edition's publication (digest/schedule.ts).
    const dueAt = deliveryTimes(date, { hour: s.defaultHour, timezone: s.timezone });
    const fromDate = daily.from.slice(0, 10);
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
    for (let after = 0; ; ) {
      const subs = page.all(after, PAGE);
      if (!subs.length) break;
      const pageAfter = after;
      after = subs[subs.length - 1]!.id;
      // Two range queries per page instead of two queries per subscriber. Already had = accepted (the ledger)
      // or still outstanding in an earlier edition (it may yet be accepted).
      const topicsByPage = candidatesRepo.topicsOf(pageAfter, after);
      const hadByPage = sentPapers.alreadyHad(fromDate, pageAfter, after, editionId);
      // Profiles too: one range query per page, and the text of papers not seen yet in this edition in one more.
      const profilesByPage = profiles.inRange(pageAfter, after);
      const pageProfileIds = new Set<string>();
      for (const rows of profilesByPage.values()) for (const r of rows) pageProfileIds.add(r.paperId);
      const learned = new Set<DigestKind>();
      for (const sub of subs) {
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
        let pe: PersonalEdition | undefined;
        if (profile) {
          pe = personalEdition(kind, ranking);
          if (!learned.has(kind)) {
            learned.add(kind);
            const ask = pe.unknown(pageProfileIds);
            if (ask.length) pe.learn(ask, profiles.texts(ask));
          }
        }
        const sections: Section[] = selectForSubscriber(
          ranking.trending,
          topics,
          { size: s.size, topicSectionSize: s.topicSectionSize, alreadySent, resendStillTrending: s.resendStillTrending && kind === 'daily' },
          pe && personalFor(pe, profile, { pickedSize: s.pickedSectionSize, size: s.size, alreadySent, byId: ranking.byId }),
        );
        const due = dueAt({ hour: sub.delivery_hour, timezone: sub.timezone });
        const messageId = digestMessageId(s.secretKey, date, sub.id, s.messageIdDomain);
        // A subscriber who has had every trending paper already gets no email (never a blank one).
        const status = sections.length ? 'pending' : 'skipped';
        insertDelivery.run(editionId, sub.id, status, JSON.stringify(sections), due, messageId, nowIso, kind);
        if (status === 'skipped') skipped++;
        else deliveries++;
        for (const sec of sections) for (const p of sec.papers) shown.add(p.id);
      }
    }

    const insertPaper = db.prepare(
      'INSERT INTO edition_papers (edition_id, paper_id, rank, score, reason, snapshot_json) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const candidateById = new Map(candidates.map((c) => [c.id, c]));
    main.trending.forEach((scored, i) => {
      if (!shown.has(scored.id)) return;
      const row = papers.get(scored.id)!;
      const latest = latestCounters(candidateById.get(scored.id)!);
      insertPaper.run(editionId, scored.id, i + 1, scored.score, scored.reason, JSON.stringify(snapshotPaper(row, scored, latest)));
    });
    logger.info(
      { event: 'edition.prepared', date, editionId, deliveries, skipped, papers: shown.size, weekly: weekly !== undefined, topicQueries: daily.queriesRun() },
      'edition prepared',
    );
    return { edition: editions.get(editionId)!, created: true, deliveries, skipped };
  });
  return run.immediate();
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
