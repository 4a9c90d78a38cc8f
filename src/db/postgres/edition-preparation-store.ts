// The preparation area on PostgreSQL (see src/db/stores/preparation.ts): constant SQL texts; a step is one
// transaction that first moves prepared_through on from where the step started (the row lock serializes any other
// writer, and a step that finds the edition elsewhere writes nothing), then writes the step's edition papers and
// deliveries as one multi-row INSERT each (arrays unnested: one statement whatever the page size, no parameter limit)
// with ON CONFLICT DO NOTHING. A page's reads share one snapshot.
import type { PgPool } from './pool.js';
import { all, inReadSnapshot, inTransaction, one } from './transaction.js';
import { createPgCandidateReader } from './candidates-repo.js';
import { PAPER_COLUMNS, toPaperRow, type PgPaper } from './papers-repo.js';
import { AppError } from '../../lib/errors.js';
import type { EditionRow } from '../editions-repo.js';
import type { PaperRow } from '../stores/ingest.js';
import type { AudienceMember, EditionPreparationStore, OpenedPreparation } from '../stores/preparation.js';
import type { ProfileRow } from '../../rank/personal.js';
import type { PaperText } from '../../rank/text-vectors.js';

const EDITION_COLUMNS = 'id, date, prepared_at, status, reason, subject, audience_max_id, audience_at, prepared_through';
const BY_DATE = `SELECT ${EDITION_COLUMNS} FROM editions WHERE date = $1`;
const BY_DATE_LOCKED = `${BY_DATE} FOR UPDATE`;
const LATEST_READY_BEFORE = "SELECT date FROM editions WHERE date < $1 AND status = 'ready' ORDER BY date DESC LIMIT 1";
const DELETE_EMPTY = "DELETE FROM editions WHERE id = $1 AND status = 'empty'";
const INSERT_EMPTY = `INSERT INTO editions (date, prepared_at, status, reason) VALUES ($1, $2, 'empty', $3) RETURNING ${EDITION_COLUMNS}`;
// The audience, decided once: subscriber ids up to the largest now, confirmed by now. A sequence hands ids out before
// their rows commit, so a subscriber written in a transaction still open could later commit with an id below the
// largest committed one and join an audience already being prepared. SHARE mode waits for every transaction writing
// subscribers to end (and holds off new ones until this transaction commits: milliseconds), so the largest id read
// after it is the line for good.
const FREEZE_SUBSCRIBERS = 'LOCK TABLE subscribers IN SHARE MODE';
const INSERT_PREPARING = `INSERT INTO editions (date, prepared_at, status, subject, audience_max_id, audience_at, prepared_through)
  SELECT $1, $2, 'preparing', $3, coalesce(max(id), 0), $2, 0 FROM subscribers RETURNING ${EDITION_COLUMNS}`;
const PAPER_IDS = 'SELECT paper_id FROM edition_papers WHERE edition_id = $1';

// The frozen audience, walked in id order on subscribers_status (status, id). A reader without a confirmation time
// (imported active) is in it, as on SQLite.
const AUDIENCE_PAGE = {
  name: 'prepare.audience_page',
  text: `SELECT id, timezone, delivery_hour, frequency, paused FROM subscribers
         WHERE status = 'active' AND id > $1 AND id <= $2 AND (confirmed_at IS NULL OR confirmed_at <= $3) ORDER BY id LIMIT $4`,
};
const TOPICS = {
  name: 'prepare.topics',
  text: 'SELECT subscriber_id, topic FROM subscriber_topics WHERE subscriber_id > $1 AND subscriber_id <= $2 ORDER BY subscriber_id, topic',
};
// Per recent edition one range of sent_papers' primary key (edition_id, subscriber_id).
const SENT = {
  name: 'prepare.sent',
  text: `SELECT sp.subscriber_id, sp.papers_json FROM editions e
         JOIN sent_papers sp ON sp.edition_id = e.id AND sp.subscriber_id > $1 AND sp.subscriber_id <= $2
         WHERE e.date >= $3`,
};
// One reader's accepted papers of editions dated in [from, before).
const SENT_BETWEEN = `SELECT sp.papers_json FROM editions e JOIN sent_papers sp ON sp.edition_id = e.id AND sp.subscriber_id = $1
  WHERE e.date >= $2 AND e.date < $3`;
// Outstanding deliveries of other editions (the partial index deliveries_outstanding: normally nothing to find).
const OUTSTANDING = {
  name: 'prepare.outstanding',
  text: `SELECT d.subscriber_id, p ->> 'id' AS paper_id
         FROM deliveries d, jsonb_array_elements(d.selection_json) s, jsonb_array_elements(s -> 'papers') p
         WHERE d.status IN ('pending', 'sending') AND d.subscriber_id > $1 AND d.subscriber_id <= $2 AND d.edition_id <> $3`,
};
// Each reader's profile in paper order (COLLATE "C": byte order, as SQLite's primary key walks it).
const PROFILES = {
  name: 'prepare.profiles',
  text: 'SELECT subscriber_id, paper_id, signal FROM profile_papers WHERE subscriber_id > $1 AND subscriber_id <= $2 ORDER BY subscriber_id, paper_id',
};
const STORED_TEXTS = 'SELECT id, title, abstract, ai_summary, ai_keywords_json, categories_json FROM papers WHERE id = ANY($1::text[])';
// For ids we do not store: the text an import gave (any reader's copy with the longest abstract, as on SQLite).
const IMPORTED_TEXTS = `SELECT DISTINCT ON (paper_id) paper_id, title, abstract FROM profile_papers
  WHERE paper_id = ANY($1::text[]) AND title IS NOT NULL ORDER BY paper_id, length(coalesce(abstract, '')) DESC`;
const PAPERS = `SELECT ${PAPER_COLUMNS} FROM papers WHERE id = ANY($1::text[])`;

const MOVE_ON = "UPDATE editions SET prepared_through = $3 WHERE id = $1 AND status = 'preparing' AND prepared_through = $2";
const INSERT_PAPERS = `INSERT INTO edition_papers (edition_id, paper_id, rank, score, reason, snapshot_json)
  SELECT $1, p.paper_id, p.rank, p.score, p.reason, p.snapshot::jsonb
  FROM unnest($2::text[], $3::int[], $4::float8[], $5::text[], $6::text[]) AS p(paper_id, rank, score, reason, snapshot)
  ON CONFLICT (edition_id, paper_id) DO NOTHING`;
const INSERT_DELIVERIES = `INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at, kind)
  SELECT $1, d.subscriber_id, d.status, d.selection::jsonb, d.due_at, d.message_id, d.now, d.kind
  FROM unnest($2::bigint[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::timestamptz[], $8::text[])
    AS d(subscriber_id, status, selection, due_at, message_id, now, kind)
  ON CONFLICT (edition_id, subscriber_id) DO NOTHING RETURNING status`;
const MARK_READY = `UPDATE editions SET status = 'ready', prepared_through = $2 WHERE id = $1 AND status = 'preparing' RETURNING ${EDITION_COLUMNS}`;
const BY_ID = `SELECT ${EDITION_COLUMNS} FROM editions WHERE id = $1`;

export function createPostgresPreparationStore(pool: PgPool): EditionPreparationStore {
  return {
    candidateReader: createPgCandidateReader(pool),
    editionByDate: (date) => one<EditionRow>(pool, BY_DATE, [date]),
    latestReadyEditionBefore: async (date) => (await one<{ date: string }>(pool, LATEST_READY_BEFORE, [date]))?.date,
    openEditionPreparation(date, now, decision) {
      return inTransaction(pool, async (c): Promise<OpenedPreparation> => {
        const again = await one<EditionRow>(c, BY_DATE_LOCKED, [date]);
        if (again?.status === 'ready') return { outcome: 'ready', edition: again };
        if (again?.status === 'preparing') return { outcome: 'resumed', edition: again };
        if (again) await c.query(DELETE_EMPTY, [again.id]);
        if ('emptyReason' in decision) return { outcome: 'empty', edition: (await one<EditionRow>(c, INSERT_EMPTY, [date, now, decision.emptyReason]))! };
        await c.query(FREEZE_SUBSCRIBERS);
        return { outcome: 'opened', edition: (await one<EditionRow>(c, INSERT_PREPARING, [date, now, decision.subject]))! };
      });
    },
    editionPaperIds: async (editionId) => (await all<{ paper_id: string }>(pool, PAPER_IDS, [editionId])).map((r) => r.paper_id),
    preparationPage(r) {
      return inReadSnapshot(pool, async (c) => {
        const members = (await c.query<AudienceMember>({ ...AUDIENCE_PAGE, values: [r.after, r.audienceMaxId, r.audienceAt, r.limit] })).rows;
        const last = members.at(-1)?.id ?? r.after;
        const topics = new Map<number, string[]>();
        const alreadyHad = new Map<number, Set<string>>();
        const profiles = new Map<number, ProfileRow[]>();
        if (!members.length) return { members, topics, alreadyHad, profiles };
        const range = [r.after, last];
        const push = <V>(m: Map<number, V[]>, k: number, v: V) => {
          const list = m.get(k);
          if (list) list.push(v);
          else m.set(k, [v]);
        };
        const had = (k: number, id: string) => {
          const set = alreadyHad.get(k);
          if (set) set.add(id);
          else alreadyHad.set(k, new Set([id]));
        };
        for (const t of (await c.query<{ subscriber_id: number; topic: string }>({ ...TOPICS, values: range })).rows) push(topics, t.subscriber_id, t.topic);
        for (const s of (await c.query<{ subscriber_id: number; papers_json: string[] }>({ ...SENT, values: [...range, r.fromDate] })).rows)
          for (const id of s.papers_json) had(s.subscriber_id, id);
        for (const o of (await c.query<{ subscriber_id: number; paper_id: string }>({ ...OUTSTANDING, values: [...range, r.editionId] })).rows)
          had(o.subscriber_id, o.paper_id);
        for (const p of (await c.query<{ subscriber_id: number; paper_id: string; signal: 1 | -1 }>({ ...PROFILES, values: range })).rows)
          push(profiles, p.subscriber_id, { paperId: p.paper_id, signal: p.signal });
        return { members, topics, alreadyHad, profiles };
      });
    },
    readerHistory(id, r) {
      return inReadSnapshot(pool, async (c) => {
        const alreadyHad = new Set<string>();
        for (const row of (await c.query<{ papers_json: string[] }>(SENT_BETWEEN, [id, r.fromDate, r.beforeDate])).rows) for (const p of row.papers_json) alreadyHad.add(p);
        for (const o of (await c.query<{ paper_id: string }>({ ...OUTSTANDING, values: [id - 1, id, r.exceptEditionId] })).rows) alreadyHad.add(o.paper_id);
        const profile = (await c.query<{ paper_id: string; signal: 1 | -1 }>({ ...PROFILES, values: [id - 1, id] })).rows.map((p) => ({ paperId: p.paper_id, signal: p.signal }));
        return { alreadyHad, profile };
      });
    },
    async paperTexts(ids) {
      const out = new Map<string, PaperText>();
      if (!ids.length) return out;
      type Stored = { id: string; title: string; abstract: string | null; ai_summary: string | null; ai_keywords_json: string[]; categories_json: string[] };
      for (const r of await all<Stored>(pool, STORED_TEXTS, [ids]))
        out.set(r.id, { id: r.id, title: r.title, abstract: r.abstract ?? r.ai_summary, keywords: r.ai_keywords_json, categories: r.categories_json });
      if (out.size < ids.length) {
        const rest = ids.filter((id) => !out.has(id));
        for (const r of await all<{ paper_id: string; title: string; abstract: string | null }>(pool, IMPORTED_TEXTS, [rest]))
          out.set(r.paper_id, { id: r.paper_id, title: r.title, abstract: r.abstract });
      }
      return out;
    },
    async papersByIds(ids) {
      const out = new Map<string, PaperRow>();
      if (!ids.length) return out;
      for (const r of await all<PgPaper>(pool, PAPERS, [ids])) out.set(r.id, toPaperRow(r));
      return out;
    },
    writePreparationStep(step) {
      return inTransaction(pool, async (c) => {
        const moved = await c.query(MOVE_ON, [step.editionId, step.from, step.through]);
        if (moved.rowCount !== 1) throw new AppError('PREPARATION_MOVED', `edition ${step.editionId} is no longer being prepared from ${step.from}`);
        const p = step.papers;
        if (p.length)
          await c.query(INSERT_PAPERS, [step.editionId, p.map((x) => x.paperId), p.map((x) => x.rank), p.map((x) => x.score), p.map((x) => x.reason), p.map((x) => x.snapshotJson)]);
        const written = { pending: 0, skipped: 0 };
        const d = step.deliveries;
        if (!d.length) return written;
        const { rows } = await c.query<{ status: 'pending' | 'skipped' }>(INSERT_DELIVERIES, [
          step.editionId,
          d.map((x) => x.subscriberId),
          d.map((x) => x.status),
          d.map((x) => x.selectionJson),
          d.map((x) => x.dueAt),
          d.map((x) => x.messageId),
          d.map((x) => x.now),
          d.map((x) => x.kind),
        ]);
        for (const r of rows) written[r.status]++;
        return written;
      });
    },
    async markEditionReady(editionId, audienceMaxId) {
      return (await one<EditionRow>(pool, MARK_READY, [editionId, audienceMaxId])) ?? (await one<EditionRow>(pool, BY_ID, [editionId]))!;
    },
  };
}
