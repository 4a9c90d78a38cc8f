// What preparing an edition decides, whatever the engine (src/digest/prepare.ts on SQLite's synchronous repositories,
// src/digest/prepare-on-store.ts on the Store): whether the edition is empty and why, its subject's lead paper, and,
// given a page of its audience with that page's data (topics, papers already had, profiles), each reader's delivery
// (their selection as JSON, when it is due, its Message-ID) and the edition papers a step must store so that every
// paper shown is in edition_papers. Engines only read a page's data and write a step in one transaction.
// Invariant: the same rows and ranking give the same deliveries on either engine; nothing here reads or writes.
import type { PaperRow } from '../db/stores/ingest.js';
import type { AudienceMember, DeliveryDraft, EditionPaperDraft, PreparationPage } from '../db/stores/preparation.js';
import { buildPersonalEdition, personalFor, personalPool, type PersonalEdition } from '../rank/personal.js';
import { editionWindow, type EditionRanking, type RankSettings } from '../rank/edition.js';
import { selectForSubscriber, type PersonalOptions, type Section } from '../rank/select.js';
import type { ProfileEntry } from '../rank/profile.js';
import type { PaperText } from '../rank/text-vectors.js';
import type { Candidate, ScoredPaper, TopicMatches, TrendParams } from '../rank/types.js';
import { snapshotPaper } from './snapshot.js';
import { addDays, deliveryTimes, weekday } from './schedule.js';
import { digestSubject, type DigestKind } from './subject.js';
import { digestMessageIds } from '../lib/tokens.js';

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

export type PrepareOptions = { emptyReason?: string; failedParts?: string[] };

export type { AudienceMember, DeliveryDraft, EditionPaperDraft, PreparationPage };

const WEEK_HOURS = 7 * 24;

/**
 * The weekly ranking: growth over the 7 days up to the cut-off, every vote of the week counting alike (no
 * half-life), and reasons measured over about a week ("+85 upvotes in 7 days").
 */
export function weeklyTrend(trend: TrendParams): TrendParams {
  return { ...trend, windowHours: WEEK_HOURS, halfLifeHours: Number.POSITIVE_INFINITY, factBaselineHours: WEEK_HOURS - 4 };
}

/** The ranking's own settings, as plain data (they cross to the ranking thread). */
export function rankSettings(s: PrepareSettings): RankSettings {
  return { candidateWindowDays: s.candidateWindowDays, trend: s.trend, timezone: s.timezone, defaultHour: s.defaultHour };
}

/** The trends a date is ranked with: the day's, and on WEEKLY_DIGEST_DAY the week's too. */
export function trendsOf(date: string, s: PrepareSettings): TrendParams[] {
  return weekday(date) === s.weeklyDay ? [s.trend, weeklyTrend(s.trend)] : [s.trend];
}

/** What the edition of a date is, decided from its ranking and the previous ready edition (none read or written here). */
export interface EditionPlan {
  daily: EditionRanking;
  dailyFresh: boolean;
  weeklyFresh: boolean;
  /** The week's ranking (computed on first use: only weekly days with weekly readers need it). */
  weeklyRanking(): EditionRanking;
  weeklyRanked(): boolean;
  /** Why the edition has nothing to send, or null when it has. */
  emptyReason: string | null;
  /** The paper whose title leads the archive's subject (only for an edition that is not empty). */
  leadPaperId(): string;
  /** The archive's subject, from the lead paper's title. */
  subject(leadTitle: string): string;
  /** The edition's own ranking (the archive page, its top papers): the day's, or on a weekly-only day the week's. */
  main(): EditionRanking;
  /** The date of the previous ready edition, if any. */
  previousDate: string | undefined;
}

export function planEdition(daily: EditionRanking, date: string, s: PrepareSettings, previousDate: string | undefined, options: PrepareOptions): EditionPlan {
  const { candidates } = daily;
  const dailyFresh = (previousDate ? newSince(candidates, previousDate, s) : candidates).length > 0;
  // Weekly readers get the week's best on their day, even when the day itself brought nothing new (a Sunday).
  const weeklyFresh = weekday(date) === s.weeklyDay && newSince(candidates, addDays(date, -7), s).length > 0;
  let weekly: EditionRanking | undefined;
  const weeklyRanking = () => (weekly ??= daily.withTrend(weeklyTrend(s.trend)));
  const emptyReason =
    options.emptyReason ??
    (candidates.length === 0
      ? 'no papers in the candidate window'
      : !dailyFresh && !weeklyFresh
        ? `nothing new since the ${previousDate} edition${options.failedParts?.length ? `; failed to ingest: ${options.failedParts.join(', ')}` : ''}`
        : null);
  const main = () => (dailyFresh ? daily : weeklyRanking());
  return {
    daily,
    dailyFresh,
    weeklyFresh,
    weeklyRanking,
    weeklyRanked: () => weekly !== undefined,
    emptyReason,
    leadPaperId: () => main().trending[0]!.id,
    // The archive's subject; each reader's own subject comes from the first paper of their digest (render.ts).
    subject: (leadTitle) => digestSubject(dailyFresh ? 'daily' : 'weekly', date, leadTitle),
    main,
    previousDate,
  };
}

/**
 * "Picked for you"'s pool for a ranking: its papers new since the edition of `since` (every candidate when there is
 * none), and its top (rank/personal.ts). The same for the preparation and for `papers rank`.
 */
export function picksPool(ranking: EditionRanking, candidates: Candidate[], since: string | undefined, s: PrepareSettings): ScoredPaper[] {
  const fresh = new Set((since ? newSince(candidates, since, s) : candidates).map((cand) => cand.id));
  return personalPool(ranking.trending, (p) => fresh.has(p.id));
}

/** The text loader the scoring calls synchronously, over texts read ahead: the ids asked for that it holds. */
export function textsFrom(texts: ReadonlyMap<string, PaperText>): (ids: Iterable<string>) => Map<string, PaperText> {
  return (ids) => {
    const out = new Map<string, PaperText>();
    for (const id of ids) {
      const t = texts.get(id);
      if (t) out.set(id, t);
    }
    return out;
  };
}

/** The `edition.prepared` log line's fields, the same whichever engine prepared the edition. */
export function preparedLogFields(
  e: { date: string; editionId: number; deliveries: number; skipped: number; resumed: boolean },
  selection: Pick<EditionSelection, 'storedCount'>,
  plan: Pick<EditionPlan, 'weeklyRanked'>,
  daily: Pick<EditionRanking, 'queriesRun'>,
) {
  return { event: 'edition.prepared', ...e, papers: selection.storedCount(), weekly: plan.weeklyRanked(), topicQueries: daily.queriesRun() };
}

export interface EditionSelection {
  /** The date the never-twice ledger is read from (papers older than the window cannot be candidates). */
  readonly fromDate: string;
  /**
   * Each reader of the page in id order gets a delivery (`emit`), up to the reader in hand when `deadline`
   * (performance.now()) has passed; paused readers and readers whose digest has nothing new get none. Returns the last
   * reader done, how many were, and the papers shown.
   */
  selectPage(page: PreparationPage, after: number, deadline: number, emit: (d: DeliveryDraft) => void): { doneThrough: number; done: number; shown: Set<string> };
  /** Of `ids`, those not stored yet that the edition's ranking holds, in order; marked stored from now on. */
  toStore(ids: Iterable<string>): string[];
  /** An edition paper's row, from the paper as stored now. */
  editionPaper(paperId: string, row: PaperRow): EditionPaperDraft;
  /** The edition's top papers (the archive's list): the first step stores them whoever reads them. */
  topIds(): string[];
  /** Papers stored in edition_papers so far. */
  storedCount(): number;
  /**
   * The ids whose text `selectPage` may ask for on this page: the pools of the rankings its profiled readers need,
   * until they are built, and the page's profile papers those rankings do not know yet. (An engine that reads
   * asynchronously fetches them before `selectPage`; a synchronous one answers `texts` as asked.)
   */
  textIdsFor(page: PreparationPage): string[];
}

export function createEditionSelection(c: {
  date: string;
  s: PrepareSettings;
  plan: EditionPlan;
  editionId: number;
  nowIso: string;
  /** Papers already in edition_papers (a resumed preparation). */
  stored: Iterable<string>;
  /** The text of the papers we hold any for (ids without text are absent). */
  texts: (ids: string[]) => ReadonlyMap<string, PaperText>;
}): EditionSelection {
  const { date, s, plan, editionId, nowIso } = c;
  const { daily } = plan;
  const main = plan.main();
  const rankOf = new Map(main.trending.map((p, i) => [p.id, i]));
  const candidateById = new Map(daily.candidates.map((cand) => [cand.id, cand]));
  // Papers already in edition_papers: a step adds the ones its readers were shown first (so a resumed preparation,
  // and the sender, find every paper of every delivery written so far).
  const stored = new Set<string>(c.stored);
  // Each copy is due at the subscriber's local hour, never before the edition's publication (digest/schedule.ts).
  const dueAt = deliveryTimes(date, { hour: s.defaultHour, timezone: s.timezone });
  const messageIdOf = digestMessageIds(s.secretKey, date, s.messageIdDomain);
  const noneSent = new Set<string>();
  const kindOf = (sub: AudienceMember): DigestKind | null => {
    if (sub.paused) return null;
    const kind: DigestKind = sub.frequency === 'weekly' ? 'weekly' : 'daily';
    return (kind === 'weekly' ? plan.weeklyFresh : plan.dailyFresh) ? kind : null;
  };
  const rankingOf = (kind: DigestKind) => (kind === 'weekly' ? plan.weeklyRanking() : daily);
  // Readers with a profile: the pool, its index and the profile papers' vectors, built once per ranking on first
  // use (an edition without profiles builds nothing).
  const personal = new Map<DigestKind, PersonalEdition>();
  const poolOf = (kind: DigestKind) => picksPool(rankingOf(kind), daily.candidates, kind === 'weekly' ? addDays(date, -7) : plan.previousDate, s);
  const personalEdition = (kind: DigestKind): PersonalEdition => {
    let pe = personal.get(kind);
    if (!pe) {
      const pool = poolOf(kind);
      pe = buildPersonalEdition(pool, c.texts(pool.map((p) => p.id)));
      personal.set(kind, pe);
    }
    return pe;
  };

  return {
    fromDate: daily.from.slice(0, 10),
    selectPage(page, after, deadline, emit) {
      const { topics: topicsByPage, alreadyHad: hadByPage, profiles: profilesByPage } = page;
      // Their rows as scoring input, per ranking (daily, weekly), resolved for the whole page at the first reader who needs it.
      const resolved = new Map<DigestKind, Map<number, ProfileEntry[]>>();
      const shown = new Set<string>();
      let doneThrough = after;
      let done = 0;
      for (const sub of page.members) {
        if (doneThrough !== after && performance.now() > deadline) break;
        doneThrough = sub.id;
        done++;
        const kind = kindOf(sub);
        if (!kind) continue;
        // Every distinct topic query is matched once per ranking (memoized), for everyone who follows it.
        const ranking = rankingOf(kind);
        const topics: TopicMatches[] = [];
        for (const t of topicsByPage.get(sub.id) ?? []) {
          const m = ranking.topic(t);
          if (m) topics.push(m);
        }
        const alreadySent = hadByPage.get(sub.id) ?? noneSent;
        const profile = profilesByPage.get(sub.id);
        let personalOptions: PersonalOptions | undefined;
        if (profile) {
          const pe = personalEdition(kind);
          let byReader = resolved.get(kind);
          if (!byReader) resolved.set(kind, (byReader = pe.profilesOf(profilesByPage, c.texts)));
          personalOptions = personalFor(pe, byReader.get(sub.id), { pickedSize: s.pickedSectionSize, size: s.size, alreadySent, byId: ranking.byId });
        }
        const sections: Section[] = selectForSubscriber(
          ranking.trending,
          topics,
          { size: s.size, topicSectionSize: s.topicSectionSize, alreadySent, resendStillTrending: s.resendStillTrending && kind === 'daily' },
          personalOptions,
        );
        // A subscriber who has had every trending paper already gets no email (never a blank one).
        emit({
          editionId,
          subscriberId: sub.id,
          status: sections.length ? 'pending' : 'skipped',
          selectionJson: JSON.stringify(sections),
          dueAt: dueAt({ hour: sub.delivery_hour, timezone: sub.timezone }),
          messageId: messageIdOf(sub.id),
          now: nowIso,
          kind,
        });
        for (const sec of sections) for (const p of sec.papers) shown.add(p.id);
      }
      return { doneThrough, done, shown };
    },
    toStore(ids) {
      const out: string[] = [];
      for (const id of ids) {
        if (stored.has(id) || !rankOf.has(id)) continue;
        stored.add(id);
        out.push(id);
      }
      return out;
    },
    editionPaper(paperId, row) {
      const i = rankOf.get(paperId)!;
      const scored = main.trending[i]!;
      return {
        paperId,
        rank: i + 1,
        score: scored.score,
        reason: scored.reason,
        snapshotJson: JSON.stringify(snapshotPaper(row, scored, latestCounters(candidateById.get(paperId)!))),
      };
    },
    topIds: () => main.trending.slice(0, s.size).map((p) => p.id),
    storedCount: () => stored.size,
    textIdsFor(page) {
      if (!page.profiles.size) return [];
      const kinds = new Set<DigestKind>();
      for (const sub of page.members) {
        const kind = page.profiles.has(sub.id) ? kindOf(sub) : null;
        if (kind) kinds.add(kind);
      }
      const ids = new Set<string>();
      for (const kind of kinds) {
        const pe = personal.get(kind);
        if (!pe) for (const p of poolOf(kind)) ids.add(p.id);
        // profilesOf resolves every profile of the page for each ranking it is called for.
        for (const rows of page.profiles.values()) for (const r of rows) if (!pe?.knows(r.paperId)) ids.add(r.paperId);
      }
      return [...ids];
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
  return candidates.filter((cand) => cand.firstSeenAt > cutoff || cand.appearedAt > cutoff);
}

/** The latest counters up to the cut-off (or the late reading that stands for them), and whether any source
 * measured upvotes or comments at all (arXiv never does). */
function latestCounters(cand: Candidate): { comments: number; githubStars: number | null; counted: boolean } {
  let comments = 0;
  let githubStars: number | null = null;
  let counted = false;
  for (const o of cand.observations.length ? cand.observations : cand.late ? [cand.late] : []) {
    if (o.comments !== null) comments = o.comments;
    if (o.githubStars !== null) githubStars = o.githubStars;
    if (o.upvotes !== null || o.comments !== null) counted = true;
  }
  return { comments, githubStars, counted };
}
