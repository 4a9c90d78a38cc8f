// CLI subcommand `rank`: the trending list for a date, or one subscriber's digest as it would be prepared, with
// each paper's score, the parts of the score and the reason, as a table on stdout. It only reads.
import type { Command } from 'commander';
import type { AppDeps } from '../app.js';
import { withApp, parseDate, parsePositive } from './shared.js';
import { localDate } from '../digest/schedule.js';
import type { EditionRanking } from '../rank/edition.js';
import { picksPool, textsFrom } from '../digest/prepare-selection.js';
import { rankEditionAsync } from '../rank/edition-async.js';
import { buildPersonalEdition, personalFor } from '../rank/personal.js';
import { selectForSubscriber, type PersonalOptions } from '../rank/select.js';
import { formatSpan } from '../rank/score.js';
import type { ScoredPaper, TopicMatches } from '../rank/types.js';
import { AppError } from '../lib/errors.js';
import type { CliIo } from './io.js';

export interface RankOptions {
  date?: string | undefined;
  subscriber?: string | undefined;
  limit?: number | undefined;
}

export function registerRankCommand(program: Command, io: CliIo): void {
  program
    .command('rank')
    .description('show the ranked papers for a date with score, its parts and the reason')
    .option('--date <date>', 'edition date (default: today in DIGEST_TZ)', parseDate)
    .option('--subscriber <email>', "that subscriber's digest: top trending not yet sent, Picked for you (with a profile), then their topics")
    .option('--limit <n>', 'papers in the trending list (default: DIGEST_SIZE)', parsePositive)
    .action(async (o: RankOptions) => {
      await withApp(io, async (app) => {
        io.stdout.write(await rankReport(app, o));
      });
    });
}

type RankDeps = Pick<AppDeps, 'store' | 'clock' | 'prepareSettings'>;

/**
 * The report the command prints, on either engine (the same ranking the preparation reads through the Store);
 * throws AppError RANK_UNKNOWN_SUBSCRIBER for an address we do not know.
 */
export async function rankReport(app: RankDeps, o: RankOptions): Promise<string> {
  const { store } = app;
  const s = app.prepareSettings;
  const now = app.clock.now();
  const date = o.date ?? localDate(now, s.timezone);
  const limit = o.limit ?? s.size;
  const loaded = await rankEditionAsync(store.candidateReader, date, s);
  const ranking = loaded.ranking;
  // Every candidate's title, read once: the tables below show some of them.
  const stored = await store.papersByIds(ranking.candidates.map((c) => c.id));
  const titles = (id: string) => stored.get(id)?.title ?? '';
  const t = s.trend;
  const lines = [
    `Ranking for ${date}, as of ${ranking.asOf}: ${ranking.candidates.length} candidates since ${ranking.from.slice(0, 10)}`,
    `score = Δupvotes + ${t.commentWeight}·Δcomments + ${t.starWeight}·Δstars over the last ${formatSpan(t.windowHours)}, each weighted 2^(−its age / ${formatSpan(t.halfLifeHours)})`,
    '',
  ];
  if (!o.subscriber) {
    lines.push(...trendTable(ranking.trending.slice(0, limit), (p) => ranking.trending.indexOf(p) + 1, titles));
    if (!ranking.trending.length) lines.push('(no candidates: ingest first, or pick another --date)');
    return `${lines.join('\n')}\n`;
  }

  const sub = await store.getSubscriberByEmail(o.subscriber);
  if (!sub) throw new AppError('RANK_UNKNOWN_SUBSCRIBER', `no subscriber with that address`);
  const topicNames = await store.subscriberTopics(sub.id);
  await loaded.loadTopics(topicNames);
  const topics = topicNames.map((name) => ranking.topic(name)).filter((m): m is TopicMatches => m !== null);
  // Sent before this date: the digest as it would be prepared for it, whether or not it already was.
  const own = (await store.editionByDate(date))?.id ?? -1;
  const { alreadyHad: alreadySent, profile } = await store.readerHistory(sub.id, { fromDate: ranking.from.slice(0, 10), beforeDate: date, exceptEditionId: own });
  // A reader with a profile: "Picked for you" from the pool prepare would build (new since the previous edition,
  // plus the top of the ranking), this reader's profile papers scored against it.
  let personal: PersonalOptions | undefined;
  if (profile.length) {
    const previous = await store.latestReadyEditionBefore(date);
    const pool = picksPool(ranking, ranking.candidates, previous, s);
    // The text of the pool and of the reader's profile papers, read at once (the scoring asks for them synchronously).
    const texts = await store.paperTexts([...new Set([...pool.map((p) => p.id), ...profile.map((r) => r.paperId)])]);
    const textsOf = textsFrom(texts);
    const pe = buildPersonalEdition(pool, textsOf(pool.map((p) => p.id)));
    const entries = pe.profilesOf(new Map([[sub.id, profile]]), textsOf).get(sub.id);
    personal = personalFor(pe, entries, { pickedSize: s.pickedSectionSize, size: limit, alreadySent, byId: ranking.byId });
  }
  const sections = selectForSubscriber(
    ranking.trending,
    topics,
    { size: limit, topicSectionSize: s.topicSectionSize, alreadySent, resendStillTrending: s.resendStillTrending },
    personal,
  );
  const disliked = profile.filter((r) => r.signal === -1).length;
  lines.push(
    `Subscriber #${sub.id} (${sub.status}), topics: ${topicNames.length ? topicNames.join(', ') : 'none'}; ` +
      `profile: ${profile.length ? `${profile.length} papers (${disliked} less like this)` : 'none'}; ${alreadySent.size} candidates already sent`,
    '',
  );
  if (!sections.length) lines.push('(nothing to send: every candidate was sent already, or there are none)');
  for (const section of sections) {
    lines.push(`== ${section.title} ==`);
    const reasons = new Map(section.papers.map((p) => [p.id, p.reason]));
    const picked = section.papers.map((p) => ranking.byId.get(p.id)!);
    if (section.kind === 'trending') {
      lines.push(...trendTable(picked, (p) => ranking.trending.indexOf(p) + 1, titles, reasons));
    } else if (section.kind === 'picked') {
      const scores = new Map(personal!.scores.picked.map((p) => [p.id, p.score]));
      lines.push(...table(['id', 'picked', 'trend', 'trend #', 'reason', 'title'], picked.map((p) => [p.id, fixed(scores.get(p.id) ?? 0), fixed(p.score), String(ranking.trending.indexOf(p) + 1), reasons.get(p.id) ?? '', titles(p.id)])));
    } else {
      const matches = topics.find((m) => m.topic === section.topic)!;
      lines.push(...topicTable(matches, new Set(reasons.keys()), ranking, titles, reasons));
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

const TREND_HEADER = ['#', 'id', 'score', 'upvotes', 'Δup', 'Δcom', 'Δstars', 'age', 'reason', 'title'];

function trendRow(p: ScoredPaper, rank: number, title: string, reason: string): string[] {
  const q = p.parts;
  return [
    String(rank),
    p.id,
    fixed(p.score),
    String(q.upvotes),
    // "~": the window's start was interpolated from the paper's appearance (no earlier observation), or the
    // counters were read after the cut-off.
    `${q.estimated ? '~' : ''}${fixed(q.upvoteGrowth, 1)}`,
    fixed(q.commentGrowth, 1),
    fixed(q.starGrowth, 1),
    formatSpan(q.ageHours),
    reason,
    title,
  ];
}

function trendTable(
  papers: readonly ScoredPaper[],
  rankOf: (p: ScoredPaper) => number,
  title: (id: string) => string,
  reasons?: ReadonlyMap<string, string>,
): string[] {
  return table(
    TREND_HEADER,
    papers.map((p) => trendRow(p, rankOf(p), title(p.id), reasons?.get(p.id) ?? p.reason)),
  );
}

function topicTable(
  matches: TopicMatches,
  picked: ReadonlySet<string>,
  ranking: EditionRanking,
  title: (id: string) => string,
  reasons: ReadonlyMap<string, string>,
): string[] {
  const rows = matches.papers
    .filter((m) => picked.has(m.paper.id))
    .map((m) => [
      m.paper.id,
      fixed(m.score),
      fixed(m.paper.score),
      fixed(m.relevance, 2),
      String(ranking.trending.indexOf(m.paper) + 1),
      reasons.get(m.paper.id) ?? '',
      title(m.paper.id),
    ]);
  return table(['id', 'blended', 'trend', 'relevance', 'trend #', 'reason', 'title'], rows);
}

function fixed(n: number, digits = 3): string {
  return n.toFixed(digits);
}

const TITLE_WIDTH = 60;

/** A plain aligned table: numbers right-aligned, the last column (title) cut to a readable width. */
function table(header: string[], rows: string[][]): string[] {
  const cells = [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 && c.length > TITLE_WIDTH ? `${c.slice(0, TITLE_WIDTH - 1)}…` : c)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[~#]?-?[\d.]+$/.test(r[i]!)));
  return cells.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}
