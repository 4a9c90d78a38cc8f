// The profiles repository's page read (what prepare loads once per page of subscribers): every reader of an id range
// with a profile, their papers in paper-id order with their signals, nobody outside the range, nobody without papers.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createProfilesRepo } from '../../src/db/profiles-repo.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.cleanup();
});

describe('profiles repo: inRange', () => {
  it('returns each reader of the range with their papers (ids in order, signals kept), one query for the page', () => {
    const app = createTestApp();
    apps.push(app);
    const now = '2026-08-21T07:00:00.000Z';
    const ids = ['a', 'b', 'c', 'd'].map((n) => app.subscriptions.repo.create({ email: `${n}@example.org`, status: 'active', now }));
    const repo = createProfilesRepo(app.db);
    repo.importPapers(ids[0]!, [{ paperId: '2608.20002' }, { paperId: '2608.10001' }, { paperId: 'doi:10.1145/3, "odd" id' }], 'list', now);
    repo.setSignal(ids[0]!, '2608.30003', -1, 'email', now);
    repo.setSignal(ids[2]!, '2608.10001', 1, 'email', now);
    repo.setSignal(ids[3]!, '2608.40004', -1, 'email', now);

    const page = repo.inRange(ids[0]! - 1, ids[2]!);
    expect([...page.keys()]).toEqual([ids[0], ids[2]]); // b has no profile; d is past the range
    expect(page.get(ids[0]!)).toEqual([
      { paperId: '2608.10001', signal: 1 },
      { paperId: '2608.20002', signal: 1 },
      { paperId: '2608.30003', signal: -1 },
      { paperId: 'doi:10.1145/3, "odd" id', signal: 1 },
    ]);
    expect(page.get(ids[2]!)).toEqual([{ paperId: '2608.10001', signal: 1 }]);
    expect(repo.inRange(ids[3]! - 1, ids[3]!).get(ids[3]!)).toEqual([{ paperId: '2608.40004', signal: -1 }]);
    expect(repo.inRange(ids[3]!, ids[3]! + 100).size).toBe(0);
  });
});
