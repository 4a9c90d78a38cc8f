// Prepares the edition for a date in one transaction: the frozen ranking, a snapshot of each paper shown,
// and one delivery per active subscriber with that subscriber's selection. A second call changes nothing.
import type { Db } from '../db/open.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { createCandidatesRepo } from '../db/candidates-repo.js';
import { createPapersRepo } from '../db/papers-repo.js';
import { createEditionsRepo, type EditionRow } from '../db/editions-repo.js';
import { rankTrending } from '../rank/score.js';
import { blendTopic } from '../rank/topics.js';
import { selectForSubscriber, type Section, type TopicMatches } from '../rank/select.js';
import type { Candidate, ScoredPaper, TrendParams } from '../rank/types.js';
import { snapshotPaper } from './snapshot.js';
import { addDays, localHourToUtc, weekday } from './schedule.js';
import { digestMessageId } from '../lib/tokens.js';

export interface PrepareSettings {
  size: number;
  topicSectionSize: number;
  candidateWindowDays: number;
  resendStillTrending: boolean;
  timezone: string; // service default
  defaultHour: number;
  trend: TrendParams;
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
  options: { emptyReason?: string } = {},
): PrepareResult {
  const { db, clock, logger } = deps;
  const editions = createEditionsRepo(db);
  const existing = editions.getByDate(date);
  if (existing) return { edition: existing, created: false, deliveries: 0, skipped: 0 };

  const now = clock.now();
  const nowIso = now.toISOString();
  const candidatesRepo = createCandidatesRepo(db);
  const papers = createPapersRepo(db);
  // Rank as of the end of the edition's day, or now if that is earlier (a digest never sees the future).
  const endOfDay = `${addDays(date, 1)}T00:00:00.000Z`;
  const asOf = nowIso < endOfDay ? nowIso : endOfDay;
  const windowStart = `${addDays(date, -s.candidateWindowDays)}T00:00:00.000Z`;

  const run = db.transaction((): PrepareResult => {
    // Re-check inside the write lock: another process may have prepared it meanwhile.
    const again = editions.getByDate(date);
    if (again) return { edition: again, created: false, deliveries: 0, skipped: 0 };

    const candidates = candidatesRepo.load(windowStart, asOf, asOf);
    const previous = editions.latestReadyBefore(date);
    const freshFrom = previous ? `${previous.date}T23:59:59.999Z` : windowStart;
    const fresh = candidates.filter((c) => c.appearedAt > freshFrom);
    const emptyReason =
      options.emptyReason ??
      (candidates.length === 0
        ? 'no papers in the candidate window'
        : fresh.length === 0
          ? `nothing new since the ${previous?.date} edition`
          : null);
    if (emptyReason) {
      db.prepare("INSERT INTO editions (date, prepared_at, status, reason) VALUES (?, ?, 'empty', ?)").run(date, nowIso, emptyReason);
      logger.info({ event: 'edition.empty', date, reason: emptyReason }, 'edition has nothing to send');
      return { edition: editions.getByDate(date)!, created: true, deliveries: 0, skipped: 0 };
    }

    const trending = rankTrending(candidates, new Date(asOf), s.trend);
    const trendingById = new Map(trending.map((p) => [p.id, p]));
    const subject = `Trending papers for ${date}: ${papers.get(trending[0]!.id)?.title ?? ''}`.slice(0, 180);
    const editionId = Number(
      db.prepare("INSERT INTO editions (date, prepared_at, status, subject) VALUES (?, ?, 'ready', ?)").run(date, nowIso, subject)
        .lastInsertRowid,
    );

    // Match each distinct followed topic once, for everyone who follows it.
    const topicRows = db
      .prepare(
        `SELECT DISTINCT t.topic FROM subscriber_topics t JOIN subscribers s ON s.id = t.subscriber_id WHERE s.status = 'active'`,
      )
      .all() as { topic: string }[];
    const topicMatches = new Map<string, TopicMatches>();
    for (const { topic } of topicRows) topicMatches.set(topic, blendTopic(topic, candidatesRepo.matchTopic(topic), trendingById));

    const topicsOf = db.prepare<[number], { topic: string }>('SELECT topic FROM subscriber_topics WHERE subscriber_id = ? ORDER BY topic');
    const sentOf = db.prepare<[number], { paper_id: string }>('SELECT paper_id FROM sent_papers WHERE subscriber_id = ?');
    const insertDelivery = db.prepare(`INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
    const markSent = db.prepare('INSERT OR IGNORE INTO sent_papers (subscriber_id, paper_id, edition_id) VALUES (?, ?, ?)');
    const page = db.prepare<[number, number], { id: number; timezone: string | null; delivery_hour: number | null; frequency: string; paused: number }>(
      "SELECT id, timezone, delivery_hour, frequency, paused FROM subscribers WHERE status = 'active' AND id > ? ORDER BY id LIMIT ?",
    );

    const shown = new Set<string>(trending.slice(0, s.size).map((p) => p.id));
    const isWeeklyDay = weekday(date) === (s.weeklyDay ?? 1);
    let deliveries = 0;
    let skipped = 0;
    for (let after = 0; ; ) {
      const subs = page.all(after, PAGE);
      if (!subs.length) break;
      after = subs[subs.length - 1]!.id;
      for (const sub of subs) {
        if (sub.paused || (sub.frequency === 'weekly' && !isWeeklyDay)) continue;
        const alreadySent = s.resendStillTrending ? new Set<string>() : new Set(sentOf.all(sub.id).map((r) => r.paper_id));
        const topics = topicsOf.all(sub.id).flatMap((r) => topicMatches.get(r.topic) ?? []);
        const sections: Section[] = selectForSubscriber(trending, topics, {
          size: s.size,
          topicSectionSize: s.topicSectionSize,
          alreadySent,
        });
        const due = localHourToUtc(date, sub.delivery_hour ?? s.defaultHour, sub.timezone ?? s.timezone);
        const messageId = digestMessageId(s.secretKey, date, sub.id, s.messageIdDomain);
        // A subscriber who has had every trending paper already gets no email (never a blank one).
        const status = sections.length ? 'pending' : 'skipped';
        insertDelivery.run(editionId, sub.id, status, JSON.stringify(sections), due, messageId, nowIso);
        if (status === 'skipped') skipped++;
        else deliveries++;
        for (const sec of sections)
          for (const p of sec.papers) {
            shown.add(p.id);
            markSent.run(sub.id, p.id, editionId);
          }
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
    logger.info({ event: 'edition.prepared', date, editionId, deliveries, skipped, papers: shown.size }, 'edition prepared');
    return { edition: editions.get(editionId)!, created: true, deliveries, skipped };
  });
  return run.immediate();
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
