// Prepares the edition for a date in one transaction: the frozen ranking, a snapshot of each paper shown,
// and one delivery per active subscriber with that subscriber's selection. A second call changes nothing.
import type { Db } from '../db/open.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { createCandidatesRepo } from '../db/candidates-repo.js';
import { createPapersRepo } from '../db/papers-repo.js';
import { createEditionsRepo, type EditionRow } from '../db/editions-repo.js';
import { editionWindow, rankEdition, type RankSettings } from '../rank/edition.js';
import { selectForSubscriber, type Section } from '../rank/select.js';
import type { Candidate, ScoredPaper, TopicMatches, TrendParams } from '../rank/types.js';
import { snapshotPaper } from './snapshot.js';
import { deliveryTimes, weekday } from './schedule.js';
import { digestMessageId } from '../lib/tokens.js';

export interface PrepareSettings extends RankSettings {
  size: number;
  topicSectionSize: number;
  resendStillTrending: boolean;
  secretKey: string;
  messageIdDomain: string;
  /** Weekly subscribers get the digest on this ISO weekday (1 = Monday). */
  weeklyDay?: number;
}

export interface PrepareResult {
  edition: EditionRow;
  created: boolean;
  deliveries: number;
  skipped: number;
}

const PAGE = 1000;

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

  const now = clock.now();
  const nowIso = now.toISOString();
  const candidatesRepo = createCandidatesRepo(db);
  const papers = createPapersRepo(db);

  const run = db.transaction((): PrepareResult => {
    // Re-check inside the write lock: another process may have prepared it meanwhile.
    const again = editions.getByDate(date);
    if (again?.status === 'ready') return { edition: again, created: false, deliveries: 0, skipped: 0 };
    if (again) db.prepare("DELETE FROM editions WHERE id = ? AND status = 'empty'").run(again.id);

    // Rank as of the edition's cut-off (the end of its date): the same whenever this runs (rank/edition.ts).
    const ranking = rankEdition(candidatesRepo, date, s);
    const { candidates, trending } = ranking;
    const previous = editions.latestReadyBefore(date);
    const fresh = previous ? newSince(candidates, previous, s) : candidates;
    const emptyReason =
      options.emptyReason ??
      (candidates.length === 0
        ? 'no papers in the candidate window'
        : fresh.length === 0
          ? `nothing new since the ${previous?.date} edition${options.failedParts?.length ? `; failed to ingest: ${options.failedParts.join(', ')}` : ''}`
          : null);
    if (emptyReason) {
      db.prepare("INSERT INTO editions (date, prepared_at, status, reason) VALUES (?, ?, 'empty', ?)").run(date, nowIso, emptyReason);
      logger.info({ event: 'edition.empty', date, reason: emptyReason }, 'edition has nothing to send');
      return { edition: editions.getByDate(date)!, created: true, deliveries: 0, skipped: 0 };
    }

    const subject = `Trending papers for ${date}: ${papers.get(trending[0]!.id)?.title ?? ''}`.slice(0, 180);
    const editionId = Number(
      db.prepare("INSERT INTO editions (date, prepared_at, status, subject) VALUES (?, ?, 'ready', ?)").run(date, nowIso, subject)
        .lastInsertRowid,
    );

    // Each distinct topic query is matched once (ranking.topic memoizes it), for everyone who follows it.
    const noneSent = new Set<string>();
    const insertDelivery = db.prepare(`INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
    // One statement per subscriber for the whole selection (json_each), not one per paper: half the CPU at 100k.
    const markSent = db.prepare('INSERT OR IGNORE INTO sent_papers (subscriber_id, paper_id, edition_id) SELECT ?, value, ? FROM json_each(?)');
    const page = db.prepare<[number, number], { id: number; timezone: string | null; delivery_hour: number | null; frequency: string; paused: number }>(
      "SELECT id, timezone, delivery_hour, frequency, paused FROM subscribers WHERE status = 'active' AND id > ? ORDER BY id LIMIT ?",
    );

    const shown = new Set<string>(trending.slice(0, s.size).map((p) => p.id));
    const isWeeklyDay = weekday(date) === (s.weeklyDay ?? 1);
    // Each copy is due at the subscriber's local hour, never before the edition's publication (digest/schedule.ts).
    const dueAt = deliveryTimes(date, { hour: s.defaultHour, timezone: s.timezone });
    let deliveries = 0;
    let skipped = 0;
    for (let after = 0; ; ) {
      const subs = page.all(after, PAGE);
      if (!subs.length) break;
      const pageAfter = after;
      after = subs[subs.length - 1]!.id;
      // Two range queries per page instead of two queries per subscriber.
      const topicsByPage = candidatesRepo.topicsOf(pageAfter, after);
      const sentByPage = candidatesRepo.sentSince(ranking.from.slice(0, 10), pageAfter, after);
      for (const sub of subs) {
        if (sub.paused || (sub.frequency === 'weekly' && !isWeeklyDay)) continue;
        const topics: TopicMatches[] = [];
        for (const t of topicsByPage.get(sub.id) ?? []) {
          const m = ranking.topic(t);
          if (m) topics.push(m);
        }
        const sections: Section[] = selectForSubscriber(trending, topics, {
          size: s.size,
          topicSectionSize: s.topicSectionSize,
          alreadySent: sentByPage.get(sub.id) ?? noneSent,
          resendStillTrending: s.resendStillTrending,
        });
        const due = dueAt({ hour: sub.delivery_hour, timezone: sub.timezone });
        const messageId = digestMessageId(s.secretKey, date, sub.id, s.messageIdDomain);
        // A subscriber who has had every trending paper already gets no email (never a blank one).
        const status = sections.length ? 'pending' : 'skipped';
        insertDelivery.run(editionId, sub.id, status, JSON.stringify(sections), due, messageId, nowIso);
        if (status === 'skipped') skipped++;
        else deliveries++;
        const selected = sections.flatMap((sec) => sec.papers.map((p) => p.id));
        for (const id of selected) shown.add(id);
        if (selected.length) markSent.run(sub.id, editionId, JSON.stringify(selected));
      }
    }

    const insertPaper = db.prepare(
      'INSERT INTO edition_papers (edition_id, paper_id, rank, score, reason, snapshot_json) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const candidateById = new Map(candidates.map((c) => [c.id, c]));
    trending.forEach((scored, i) => {
      if (!shown.has(scored.id)) return;
      const row = papers.get(scored.id)!;
      const latest = latestCounters(candidateById.get(scored.id)!);
      insertPaper.run(editionId, scored.id, i + 1, scored.score, scored.reason, JSON.stringify(snapshotPaper(row, scored, latest)));
    });
    logger.info(
      { event: 'edition.prepared', date, editionId, deliveries, skipped, papers: shown.size, topicQueries: ranking.queriesRun() },
      'edition prepared',
    );
    return { edition: editions.get(editionId)!, created: true, deliveries, skipped };
  });
  return run.immediate();
}

/**
 * Candidates that are new since the previous edition: appeared, or first seen by us, after its cut-off (a
 * backfill can bring old papers we never had). Neither → the day has nothing new. Cut-offs, not the times the
 * editions happened to be prepared: the answer is the same whenever either edition was prepared.
 */
function newSince(candidates: Candidate[], previous: EditionRow, s: PrepareSettings): Candidate[] {
  const cutoff = editionWindow(previous.date, s).asOf;
  return candidates.filter((c) => c.firstSeenAt > cutoff || c.appearedAt > cutoff);
}

function latestCounters(c: Candidate): { comments: number; githubStars: number | null } {
  let comments = 0;
  let githubStars: number | null = null;
  for (const o of c.observations) {
    if (o.comments !== null) comments = o.comments;
    if (o.githubStars !== null) githubStars = o.githubStars;
  }
  return { comments, githubStars };
}

export type { ScoredPaper };
