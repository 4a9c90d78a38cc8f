// The editions store's contract (the archive's reads), one file for both engines: only `ready` editions are listed,
// newest first and a page at a time, with their count; the nearest ready edition on either side of a date skips
// the others; a ready edition comes back with its papers in rank order and each snapshot as the JSON value that was
// stored (the digest checks it: an invalid one is refused there, not here); a reader's own selection and kind.
// Rows are written with plain SQL as the preparation writes them (its writes are not on the Store yet).
import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/db/store.js';
import { freshStores, testEngines } from '../../helpers/engines.js';
import { readStoredEdition } from '../../../src/digest/stored-edition.js';

const NOW = '2026-08-21T07:00:00.000Z';

const snapshot = (id: string, title: string) => ({
  id,
  title,
  authors: ['Ada Lovelace', 'José Núñez'],
  summary: null,
  abstract: 'An abstract with “quotes” and $x^2$.',
  hfUrl: `https://huggingface.co/papers/${id}`,
  arxivUrl: `https://arxiv.org/abs/${id}`,
  pdfUrl: null,
  githubUrl: null,
  projectUrl: null,
  thumbnailUrl: null,
  organization: null,
  upvotes: 42,
  comments: 3,
  githubStars: null,
  keywords: ['attention'],
  categories: ['cs.CL'],
});

describe.each(testEngines())('editions store on $name', ({ open }) => {
  const stores = freshStores(open);
  const { fresh, run } = stores;
  const addEdition = async (date: string, status: 'ready' | 'empty' | 'preparing', subject = `Digest of ${date}`): Promise<number> => {
    await run('INSERT INTO editions (date, prepared_at, status, subject) VALUES (?, ?, ?, ?)', [date, NOW, status, subject]);
    return Number((await run('SELECT id FROM editions WHERE date = ?', [date]))[0]!.id);
  };

  it('lists ready editions only, newest first, a page at a time, and counts them', async () => {
    const store = await fresh();
    await addEdition('2026-08-17', 'ready');
    await addEdition('2026-08-18', 'empty');
    await addEdition('2026-08-19', 'ready');
    await addEdition('2026-08-20', 'preparing');
    await addEdition('2026-08-21', 'ready', 'Łódź & “quotes”');
    expect(await store.readyEditions(10)).toEqual([
      { date: '2026-08-21', subject: 'Łódź & “quotes”' },
      { date: '2026-08-19', subject: 'Digest of 2026-08-19' },
      { date: '2026-08-17', subject: 'Digest of 2026-08-17' },
    ]);
    expect(await store.readyEditions(1, 1)).toEqual([{ date: '2026-08-19', subject: 'Digest of 2026-08-19' }]);
    expect(await store.readyEditions(10, 3)).toEqual([]);
    expect(await store.countReadyEditions()).toBe(3);
  });

  it('finds the nearest ready edition before and after a date, skipping empty and preparing ones', async () => {
    const store = await fresh();
    await addEdition('2026-08-17', 'ready');
    await addEdition('2026-08-18', 'empty');
    await addEdition('2026-08-19', 'ready');
    await addEdition('2026-08-20', 'preparing');
    expect(await store.adjacentReadyEdition('2026-08-19', 'before')).toBe('2026-08-17');
    expect(await store.adjacentReadyEdition('2026-08-17', 'after')).toBe('2026-08-19');
    expect(await store.adjacentReadyEdition('2026-08-19', 'after')).toBeUndefined();
    expect(await store.adjacentReadyEdition('2026-08-17', 'before')).toBeUndefined();
  });

  it('reads a ready edition with its papers in rank order and their snapshots as stored; not one that is empty or preparing', async () => {
    const store = await fresh();
    await store.upsertPapers('hf', [
      { id: '2608.00001', title: 'First', authors: ['A'], aiKeywords: [], categories: [] },
      { id: '2608.00002', title: 'Second', authors: ['B'], aiKeywords: [], categories: [] },
    ], NOW);
    const id = await addEdition('2026-08-21', 'ready', 'Today: First');
    await run('INSERT INTO edition_papers (edition_id, paper_id, rank, score, reason, snapshot_json) VALUES (?, ?, ?, ?, ?, ?)', [
      id, '2608.00002', 2, 1.5, 'climbing', JSON.stringify(snapshot('2608.00002', 'Second')),
    ]);
    await run('INSERT INTO edition_papers (edition_id, paper_id, rank, score, reason, snapshot_json) VALUES (?, ?, ?, ?, ?, ?)', [
      id, '2608.00001', 1, 9.25, '42 upvotes', JSON.stringify(snapshot('2608.00001', 'First')),
    ]);
    await addEdition('2026-08-20', 'preparing');

    const e = await store.readyEdition('2026-08-21');
    expect(e).toEqual({
      id,
      date: '2026-08-21',
      subject: 'Today: First',
      preparedAt: NOW,
      papers: [
        { paperId: '2608.00001', rank: 1, reason: '42 upvotes', snapshot: snapshot('2608.00001', 'First') },
        { paperId: '2608.00002', rank: 2, reason: 'climbing', snapshot: snapshot('2608.00002', 'Second') },
      ],
    });
    expect(await store.readyEditionById(id)).toEqual(e);
    expect(await store.readyEdition('2026-08-20')).toBeUndefined();
    expect(await store.readyEditionById(id + 1)).toBeUndefined(); // the one still preparing
    expect(await store.readyEdition('2026-08-19')).toBeUndefined();
    // The digest's reader checks each snapshot: the same edition on both engines.
    expect((await readStoredEdition(store, '2026-08-21'))?.papers.map((p) => [p.rank, p.snapshot.title, p.snapshot.authors[1]])).toEqual([
      [1, 'First', 'José Núñez'],
      [2, 'Second', 'José Núñez'],
    ]);
  });

  it('a snapshot the digest cannot read is refused by the digest with a clear error, whatever the engine', async () => {
    const store = await fresh();
    await store.upsertPapers('hf', [{ id: '2608.00003', title: 'Third', authors: [], aiKeywords: [], categories: [] }], NOW);
    const id = await addEdition('2026-08-21', 'ready');
    await run('INSERT INTO edition_papers (edition_id, paper_id, rank, score, reason, snapshot_json) VALUES (?, ?, ?, ?, ?, ?)', [
      id, '2608.00003', 1, 1, 'r', JSON.stringify({ id: '2608.00003', title: 7 }),
    ]);
    await expect(readStoredEdition(store, '2026-08-21')).rejects.toThrow(/snapshot is invalid/);
  });

  it("reads one reader's selection and kind", async () => {
    const store = await fresh();
    const reader = await store.createSubscriber({ email: 'reader@example.org', status: 'active', now: NOW });
    const other = await store.createSubscriber({ email: 'other@example.org', status: 'active', now: NOW });
    const id = await addEdition('2026-08-21', 'ready');
    const sections = [{ kind: 'trending', title: 'Top trending', papers: [{ id: '2608.00001', reason: '42 upvotes' }] }];
    await run(
      "INSERT INTO deliveries (edition_id, subscriber_id, selection_json, due_at, message_id, updated_at, kind) VALUES (?, ?, ?, ?, ?, ?, 'weekly')",
      [id, reader, JSON.stringify(sections), NOW, '<m1@example.org>', NOW],
    );
    expect(await store.readerSelection(id, reader)).toEqual({ sections, kind: 'weekly' });
    expect(await store.readerSelection(id, other)).toBeUndefined();
  });
});
