// The "Picked for you" case of the ranking benchmark, as one function any bench script can call on a prepared
// database (bench:rank does; bench:prepare can): SHARE of the active readers get a profile of PAPERS papers (one in ten
// of them marked "less like this"), then the same edition is prepared again and compared with the run without
// profiles measured by the caller, and the per-reader cost of the learned section is measured beside the plain
// selection of the same readers. Prints lines; writes profiles and re-prepares `date` in the given app's database.
import type { AppDeps } from '../src/app.js';
import { createCandidatesRepo } from '../src/db/candidates-repo.js';
import { createProfilesRepo } from '../src/db/profiles-repo.js';
import { createSentPapersRepo } from '../src/db/sent-papers-repo.js';
import { prepareEdition } from '../src/digest/prepare.js';
import { editionWindow, rankEdition } from '../src/rank/edition.js';
import { buildPersonalEdition, personalFor, personalPool } from '../src/rank/personal.js';
import { selectForSubscriber } from '../src/rank/select.js';
import { addDays } from '../src/digest/schedule.js';
import { printProfile, profileCpu, type CpuProfile, type ProfileAreas } from './cpu-profile.js';

export interface ProfilesBenchOptions {
  /** The edition prepared without profiles, as the caller measured it (ms). */
  withoutMs: { wall: number; cpu: number };
  share?: number;
  papers?: number;
  seed?: number;
  /** Run the prepare with profiles under the CPU profiler and print where its time goes (--profile). */
  profile?: boolean;
}

// Where an edition's preparation spends its time, by area (self time; native frames count for their caller).
const RANK_AREAS: ProfileAreas = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
  ['JSON (stringify/parse)', (f) => !f.url && ['stringify', 'parse'].includes(f.functionName)],
  ['SQLite (better-sqlite3, src/db)', (f) => f.url.includes('better-sqlite3') || f.url.includes('src/db/') || (!f.url && ['run', 'all', 'get', 'iterate', 'exec'].includes(f.functionName))],
  ['text vectors (src/rank/text-vectors.ts, stemmer, stopword)', (f) => /src\/rank\/text-vectors|node_modules\/(stemmer|stopword)\//.test(f.url)],
  ['profile scoring (src/rank/profile.ts)', (f) => f.url.includes('src/rank/profile.ts')],
  ['personal edition (src/rank/personal.ts)', (f) => f.url.includes('src/rank/personal.ts')],
  ['selection (src/rank/select.ts)', (f) => f.url.includes('src/rank/select.ts')],
  ['ranking, topics (src/rank, other)', (f) => f.url.includes('src/rank/')],
  ['prepare (src/digest)', (f) => f.url.includes('src/digest/')],
];

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

function time<T>(fn: () => T): [T, number, number] {
  const t = performance.now();
  const c = process.cpuUsage();
  const r = fn();
  const cpu = process.cpuUsage(c);
  return [r, performance.now() - t, (cpu.user + cpu.system) / 1000];
}

export async function benchProfiles(app: AppDeps, date: string, o: ProfilesBenchOptions): Promise<string[]> {
  const share = o.share ?? 0.3;
  const perReader = o.papers ?? 20;
  let seed = o.seed ?? 17;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const s = app.prepareSettings;
  const repo = createCandidatesRepo(app.db);
  const window = editionWindow(date, s);
  // Profiles draw from the papers of the candidate window (a reader likes papers they were sent, and papers like them).
  const paperIds = repo.load(window.from, window.asOf, window.asOf).map((c) => c.id);
  const readers: number[] = [];
  for (let after = 0; ; ) {
    const page = app.subscriptions.repo.activePage(after, 5000);
    if (!page.length) break;
    after = page[page.length - 1]!.id;
    for (const sub of page) if (random() < share) readers.push(sub.id);
  }
  // The baseline in the state ours runs in: the same edition deleted (its deliveries with it) and prepared again,
  // still without profiles. The caller's first preparation wrote into a table that had never held this edition's rows.
  app.db.prepare('DELETE FROM editions WHERE date = ?').run(date);
  const [, againWall, againCpu] = time(() => prepareEdition(app, date, s));
  const now = app.clock.now().toISOString();
  const profilesRepo = createProfilesRepo(app.db);
  const [, writeMs] = time(() =>
    app.db
      .transaction(() => {
        for (const id of readers) {
          const chosen = new Set<string>();
          while (chosen.size < perReader) chosen.add(paperIds[Math.floor(random() * paperIds.length)]!);
          const list = [...chosen];
          profilesRepo.importPapers(id, list.slice(0, perReader - perReader / 10).map((paperId) => ({ paperId })), 'list', now);
          for (const paperId of list.slice(perReader - perReader / 10)) profilesRepo.setSignal(id, paperId, -1, 'email', now);
        }
      })
      .immediate(),
  );

  // The same edition again, now with profiles (its deliveries and papers go with it: ON DELETE CASCADE).
  app.db.prepare('DELETE FROM editions WHERE date = ?').run(date);
  let cpuProfile: CpuProfile | undefined;
  let prepared!: ReturnType<typeof prepareEdition>;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  if (o.profile) ({ result: prepared, profile: cpuProfile } = await profileCpu(async () => prepareEdition(app, date, s)));
  else prepared = prepareEdition(app, date, s);
  const c1 = process.cpuUsage(c0);
  const withMs = performance.now() - t0;
  const withCpu = (c1.user + c1.system) / 1000;
  const lines = [
    `  PROFILES  ${fmt(readers.length)} of the readers (${Math.round(share * 100)} %) with a profile of ${perReader} papers (${perReader / 10} "less like this"), drawn from ${fmt(paperIds.length)} papers; written in ${fmt(writeMs / 1000)} s`,
    `  BASELINE  prepareEdition without profiles, deleted and prepared again as ours is: ${fmt(againWall / 1000)} s wall, ${fmt(againCpu / 1000)} s CPU ` +
      `(the first preparation above: ${fmt(o.withoutMs.wall / 1000)} s wall, ${fmt(o.withoutMs.cpu / 1000)} s CPU)`,
    `  OURS      prepareEdition with profiles: ${fmt(withMs / 1000)} s wall, ${fmt(withCpu / 1000)} s CPU (${fmt(prepared.deliveries)} deliveries) = ` +
      `${(withMs / againWall).toFixed(2)}× wall, ${(withCpu / againCpu).toFixed(2)}× CPU (target ≤ 2×; against the first preparation: ` +
      `${(withMs / o.withoutMs.wall).toFixed(2)}× wall, ${(withCpu / o.withoutMs.cpu).toFixed(2)}× CPU)${cpuProfile ? ' [profiled: the run carries the profiler]' : ''}`,
  ];

  // Per reader: the learned section beside the plain selection of the same readers, both pure, same inputs.
  const ranking = rankEdition(repo, date, s);
  const previous = editionWindow(addDays(date, -1), s).asOf;
  const [pe, , buildMs] = time(() => {
    const pool = personalPool(ranking.trending, (p) => p.appearedAt > previous);
    return buildPersonalEdition(pool, profilesRepo.texts(pool.map((p) => p.id)));
  });
  const profiles = profilesRepo.inRange(0, Number.MAX_SAFE_INTEGER);
  let asked = 0;
  // First the profile papers are read and scored against the pool (once per edition), then every reader's rows are
  // resolved to them (per reader; timed again alone, with every paper known).
  const [, , learnMs] = time(() =>
    pe.profilesOf(profiles, (ids) => {
      asked = ids.length;
      return profilesRepo.texts(ids);
    }),
  );
  const [entries, , resolveCpu] = time(() => pe.profilesOf(profiles, () => new Map()));
  const sent = createSentPapersRepo(app.db).sentSince(ranking.from.slice(0, 10), 0, Number.MAX_SAFE_INTEGER);
  const none = new Set<string>();
  const opts = (id: number) => ({ size: s.size, topicSectionSize: s.topicSectionSize, alreadySent: sent.get(id) ?? none });
  let picked = 0;
  const run = (personal: boolean) =>
    time(() => {
      picked = 0;
      for (const [id, rows] of entries) {
        const o2 = opts(id);
        const p = personal ? personalFor(pe, rows, { pickedSize: s.pickedSectionSize, size: s.size, alreadySent: o2.alreadySent, byId: ranking.byId }) : undefined;
        for (const sec of selectForSubscriber(ranking.trending, [], o2, p)) if (sec.kind === 'picked') picked += sec.papers.length;
      }
    });
  run(true); // warm-up
  const [, , plainCpu] = run(false);
  const [, personalWall, personalCpu] = run(true);
  // The learned part alone: scoring the reader's profile against the pool (personalFor), without the selection.
  let scored = 0;
  const [, , learnedCpu] = time(() => {
    for (const [id, rows] of entries) scored += personalFor(pe, rows, { pickedSize: s.pickedSectionSize, size: s.size, alreadySent: sent.get(id) ?? none, byId: ranking.byId })!.scores.picked.length;
  });
  const n = profiles.size;
  lines.push(
    `  OURS      the edition's side, once: pool of ${fmt(pe.index.papers.length)} papers (new since yesterday + top ${300}), ${fmt(pe.space.size)} terms, built in ${fmt(buildMs)} ms CPU; ` +
      `${fmt(asked)} profile papers read and vectorised, their neighbours found (every reader's rows resolved with them), in ${fmt(learnMs)} ms CPU (${fmt((learnMs * 1000) / Math.max(1, asked))} µs each)`,
    `  OURS      per reader with a profile: selection with "Picked for you" ${((personalCpu * 1000) / n).toFixed(1)} µs CPU (${((personalWall * 1000) / n).toFixed(1)} µs wall, ` +
      `${fmt(picked / n)} picked each) vs ${((plainCpu * 1000) / n).toFixed(1)} µs CPU for the plain selection of the same readers; ` +
      `of which scoring the profile alone (personalFor: ${fmt(scored / n)} candidates ranked) ${((learnedCpu * 1000) / n).toFixed(1)} µs CPU; ` +
      `resolving the reader's rows to the edition's profile papers ${((resolveCpu * 1000) / n).toFixed(1)} µs CPU`,
  );
  if (cpuProfile) {
    for (const l of lines) console.log(l);
    lines.length = 0;
    printProfile(cpuProfile, readers.length, { areas: RANK_AREAS, unit: 'reader with a profile', title: 'prepareEdition with profiles' });
  }
  return lines;
}
