// Readers' profiles (profile_papers) on SQLite, synchronous: the papers each reader likes or marked "less like this",
// and the text the ranking reads for them and for an edition's pool. The reader's own side (their list, feedback,
// imports) goes through the Store's profiles area (src/db/stores/profiles.ts), built on these statements for SQLite.
// Statements are prepared once; writes run inside the caller's transaction or alone (each statement is atomic). Invariant: a paper id here is a versionless arXiv id or "doi:…".
import type { Db } from './open.js';
import type { PaperText } from '../rank/text-vectors.js';
import type { ProfileImport, ProfileImportCounts, ProfileOrigin, ProfilePaperRow, ProfileSignal } from './stores/profiles.js';
import { planProfileImport } from './stores/profile-rules.js';

export type { ProfileImport, ProfileOrigin, ProfilePaperRow, ProfileSignal } from './stores/profiles.js';
export { MAX_PROFILE_PAPERS } from './stores/profiles.js';

export function createProfilesRepo(db: Db) {
  const list = db.prepare<[number], { paper_id: string; signal: ProfileSignal; origin: ProfileOrigin; title: string | null; stored: number; added_at: string }>(
    `SELECT pp.paper_id, pp.signal, pp.origin, coalesce(p.title, pp.title) AS title, p.id IS NOT NULL AS stored, pp.added_at
     FROM profile_papers pp LEFT JOIN papers p ON p.id = pp.paper_id WHERE pp.subscriber_id = ? ORDER BY pp.added_at DESC, pp.paper_id`,
  );
  const signalOf = db.prepare<[number, string], { signal: ProfileSignal }>('SELECT signal FROM profile_papers WHERE subscriber_id = ? AND paper_id = ?');
  // "More like this" on a paper that was imported keeps its origin and date: the reader only confirmed it.
  const setSignal = db.prepare<{ subscriberId: number; paperId: string; signal: ProfileSignal; origin: ProfileOrigin; now: string }>(
    `INSERT INTO profile_papers (subscriber_id, paper_id, signal, origin, added_at) VALUES (@subscriberId, @paperId, @signal, @origin, @now)
     ON CONFLICT (subscriber_id, paper_id) DO UPDATE SET signal = excluded.signal`,
  );
  // An import never overrides what the reader said from a digest (a paper marked "less like this" stays so).
  const importOne = db.prepare<{ subscriberId: number; paperId: string; origin: ProfileOrigin; title: string | null; abstract: string | null; now: string }>(
    `INSERT INTO profile_papers (subscriber_id, paper_id, signal, origin, title, abstract, added_at)
     VALUES (@subscriberId, @paperId, 1, @origin, @title, @abstract, @now) ON CONFLICT (subscriber_id, paper_id) DO NOTHING`,
  );
  const remove = db.prepare<[number, string]>('DELETE FROM profile_papers WHERE subscriber_id = ? AND paper_id = ?');
  const count = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM profile_papers WHERE subscriber_id = ?');
  const held = db.prepare<[number], { paper_id: string }>('SELECT paper_id FROM profile_papers WHERE subscriber_id = ?');
  // A page of subscribers is an id range: one range query serves the whole page (like topicsOf). One row per reader,
  // their papers as one string ("+2509.00001␟-2509.00002": the signal, then the id; U+001F cannot occur in an arXiv
  // id or a DOI): stepping and converting a row per paper cost ~2.5× as much, and aggregates with their own ORDER BY
  // (sorting every reader's group again) or JSON arrays about 2.5× as much again (bench:rank). The range scan walks
  // the primary key, (subscriber_id, paper_id), so each group arrives in paper order; inRange checks it.
  const inRange = db.prepare<[number, number], { subscriber_id: number; papers: string }>(
    `SELECT subscriber_id, group_concat(iif(signal = 1, '+', '-') || paper_id, char(31)) AS papers
     FROM profile_papers WHERE subscriber_id > ? AND subscriber_id <= ? GROUP BY subscriber_id ORDER BY subscriber_id`,
  );
  // Text of stored papers by id (one statement for a whole list: the ids arrive as a JSON array).
  const storedTexts = db.prepare<[string], { id: string; title: string; abstract: string | null; ai_summary: string | null; ai_keywords_json: string; categories_json: string }>(
    `SELECT p.id, p.title, p.abstract, p.ai_summary, p.ai_keywords_json, p.categories_json FROM json_each(?) j JOIN papers p ON p.id = j.value`,
  );
  // For ids we do not store: the text an import gave (any reader's copy; SQLite takes the bare columns from the row
  // with the max(), so the longest abstract wins).
  const importedTexts = db.prepare<[string], { paper_id: string; title: string; abstract: string | null }>(
    `SELECT pp.paper_id, pp.title, pp.abstract, max(length(coalesce(pp.abstract, ''))) AS len FROM json_each(?) j
     JOIN profile_papers pp ON pp.paper_id = j.value WHERE pp.title IS NOT NULL GROUP BY pp.paper_id`,
  );
  const missing = db.prepare<[number], { paper_id: string }>(
    `SELECT DISTINCT pp.paper_id FROM profile_papers pp WHERE pp.paper_id NOT LIKE 'doi:%' AND pp.title IS NULL
       AND NOT EXISTS (SELECT 1 FROM papers p WHERE p.id = pp.paper_id) ORDER BY pp.paper_id LIMIT ?`,
  );
  const fillText = db.prepare<{ paperId: string; title: string; abstract: string | null }>(
    'UPDATE profile_papers SET title = @title, abstract = @abstract WHERE paper_id = @paperId AND title IS NULL',
  );

  return {
    /** Every paper of a reader's profile, newest first, with the title we can show. */
    list(subscriberId: number): ProfilePaperRow[] {
      return list.all(subscriberId).map((r) => ({ paperId: r.paper_id, signal: r.signal, origin: r.origin, title: r.title, stored: r.stored === 1, addedAt: r.added_at }));
    },

    signal(subscriberId: number, paperId: string): ProfileSignal | null {
      return signalOf.get(subscriberId, paperId)?.signal ?? null;
    },

    /** Sets (or, with null, clears) a reader's signal for one paper. Idempotent. */
    setSignal(subscriberId: number, paperId: string, signal: ProfileSignal | null, origin: ProfileOrigin, now: string): void {
      if (signal === null) remove.run(subscriberId, paperId);
      else setSignal.run({ subscriberId, paperId, signal, origin, now });
    },

    /**
     * Adds liked papers (an import), up to MAX_PROFILE_PAPERS in all; papers already in the profile are left as they
     * are. Returns how many were added, already there, and left out for the limit. Run it in a transaction.
     */
    importPapers(subscriberId: number, papers: readonly ProfileImport[], origin: ProfileOrigin, now: string): ProfileImportCounts {
      const plan = planProfileImport(new Set(held.all(subscriberId).map((r) => r.paper_id)), papers);
      for (const p of plan.add) importOne.run({ subscriberId, paperId: p.paperId, origin, title: p.title ?? null, abstract: p.abstract ?? null, now });
      return plan.counts;
    },

    remove(subscriberId: number, paperId: string): boolean {
      return remove.run(subscriberId, paperId).changes > 0;
    },

    count(subscriberId: number): number {
      return count.get(subscriberId)!.n;
    },

    /** The profiles of every subscriber with an id in (afterId, lastId]: paper ids and signals, no text. */
    inRange(afterId: number, lastId: number): Map<number, { paperId: string; signal: ProfileSignal }[]> {
      const out = new Map<number, { paperId: string; signal: ProfileSignal }[]>();
      for (const r of inRange.all(afterId, lastId)) {
        const rows = r.papers.split('\x1f').map((p) => ({ paperId: p.slice(1), signal: (p.charCodeAt(0) === 43 ? 1 : -1) as ProfileSignal }));
        // Paper order, as the scorer's ties assume; a query plan that ever walked another index would be caught here.
        for (let i = 1; i < rows.length; i++)
          if (rows[i - 1]!.paperId > rows[i]!.paperId) {
            rows.sort((a, b) => (a.paperId < b.paperId ? -1 : 1));
            break;
          }
        out.set(r.subscriber_id, rows);
      }
      return out;
    },

    /**
     * The text of each paper we hold any for: the stored paper (title, abstract or AI summary, keywords, categories),
     * else the title and abstract an import gave. Ids with neither are absent from the result.
     */
    texts(paperIds: readonly string[]): Map<string, PaperText> {
      const out = new Map<string, PaperText>();
      if (!paperIds.length) return out;
      const ids = JSON.stringify(paperIds);
      for (const r of storedTexts.iterate(ids))
        out.set(r.id, {
          id: r.id,
          title: r.title,
          abstract: r.abstract ?? r.ai_summary,
          keywords: JSON.parse(r.ai_keywords_json) as string[],
          categories: JSON.parse(r.categories_json) as string[],
        });
      if (out.size < paperIds.length) {
        const rest = JSON.stringify(paperIds.filter((id) => !out.has(id)));
        for (const r of importedTexts.iterate(rest)) out.set(r.paper_id, { id: r.paper_id, title: r.title, abstract: r.abstract });
      }
      return out;
    },

    /** arXiv ids in some profile for which we hold no text at all (neither stored nor imported with a title). */
    missingText(limit: number): string[] {
      return missing.all(limit).map((r) => r.paper_id);
    },

    /** Keeps text fetched for a paper we do not store (the arXiv API) on the profile rows that lack it. */
    fillText(paperId: string, title: string, abstract: string | null): void {
      fillText.run({ paperId, title, abstract });
    },
  };
}

export type ProfilesRepo = ReturnType<typeof createProfilesRepo>;
