// The profiles area's contract, one file for both engines: a reader's list (newest first, the stored paper's title
// over the imported one), their say from a digest (set, changed, cleared, idempotent, the import's origin and date
// kept), removal, and imports (in order, once each, never overriding "less like this", at most MAX_PROFILE_PAPERS,
// two imports racing for the last places), and nothing written for an unknown subscriber.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/db/store.js';
import { MAX_PROFILE_PAPERS } from '../../../src/db/stores/profiles.js';
import { freshStores, testEngines } from '../../helpers/engines.js';

const NOW = '2026-08-21T07:00:00.000Z';
const later = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();

describe.each(testEngines())('profile store on $name', ({ open }) => {
  const stores = freshStores(open);
  const { fresh } = stores;
  const reader = (store: Store, email = 'ada@example.org') => store.createSubscriber({ email, status: 'active', now: NOW });

  it('lists a profile newest first, with the stored paper’s title over the imported one, and whether we store it', async () => {
    const store = await fresh();
    const id = await reader(store);
    await store.upsertPapers('hf', [{ id: '2608.00001', title: 'Stored title', authors: [], aiKeywords: [], categories: [] }], NOW);
    expect(await store.profilePapers(id)).toEqual([]);
    expect(
      await store.importProfilePapers(id, [{ paperId: '2608.00001', title: 'Imported title' }, { paperId: 'doi:10.1145/3', title: 'A DOI paper', abstract: 'Text' }, { paperId: '2608.00009' }], 'bibtex', NOW),
    ).toEqual({ added: 3, present: 0, overLimit: 0 });
    await store.setProfileSignal(id, '2608.00002', -1, later(5));
    expect(await store.profilePapers(id)).toEqual([
      { paperId: '2608.00002', signal: -1, origin: 'email', title: null, stored: false, addedAt: later(5) },
      { paperId: '2608.00001', signal: 1, origin: 'bibtex', title: 'Stored title', stored: true, addedAt: NOW },
      { paperId: '2608.00009', signal: 1, origin: 'bibtex', title: null, stored: false, addedAt: NOW },
      { paperId: 'doi:10.1145/3', signal: 1, origin: 'bibtex', title: 'A DOI paper', stored: false, addedAt: NOW },
    ]);
    // Another reader's profile is theirs alone.
    expect(await store.profilePapers(await reader(store, 'grace@example.org'))).toEqual([]);
  });

  it('sets, changes and clears a say from a digest, reporting the one before; an imported paper keeps its origin and date', async () => {
    const store = await fresh();
    const id = await reader(store);
    expect(await store.profileSignal(id, '2608.00001')).toBeNull();
    expect(await store.setProfileSignal(id, '2608.00001', 1, NOW)).toEqual({ previous: null });
    expect(await store.setProfileSignal(id, '2608.00001', 1, later(1))).toEqual({ previous: 1 }); // idempotent
    expect(await store.profileSignal(id, '2608.00001')).toBe(1);
    expect(await store.setProfileSignal(id, '2608.00001', -1, later(2))).toEqual({ previous: 1 });
    expect(await store.profilePapers(id)).toEqual([{ paperId: '2608.00001', signal: -1, origin: 'email', title: null, stored: false, addedAt: NOW }]);
    expect(await store.setProfileSignal(id, '2608.00001', null, later(3))).toEqual({ previous: -1 });
    expect(await store.setProfileSignal(id, '2608.00001', null, later(4))).toEqual({ previous: null });
    expect(await store.profilePapers(id)).toEqual([]);

    await store.importProfilePapers(id, [{ paperId: '2608.00002', title: 'Imported' }], 'list', NOW);
    expect(await store.setProfileSignal(id, '2608.00002', -1, later(10))).toEqual({ previous: 1 });
    expect(await store.profilePapers(id)).toEqual([{ paperId: '2608.00002', signal: -1, origin: 'list', title: 'Imported', stored: false, addedAt: NOW }]);
  });

  it('removes a paper (true once, then false)', async () => {
    const store = await fresh();
    const id = await reader(store);
    await store.setProfileSignal(id, '2608.00001', 1, NOW);
    expect(await store.removeProfilePaper(id, '2608.00001')).toBe(true);
    expect(await store.removeProfilePaper(id, '2608.00001')).toBe(false);
    expect(await store.profilePapers(id)).toEqual([]);
  });

  it('imports each paper once, never overrides "less like this", and stops at the limit, counting what it left out', async () => {
    const store = await fresh();
    const id = await reader(store);
    await store.setProfileSignal(id, '2608.00001', -1, NOW);
    const outcome = await store.importProfilePapers(id, [{ paperId: '2608.00001' }, { paperId: '2608.00002' }, { paperId: '2608.00002' }], 'list', later(1));
    expect(outcome).toEqual({ added: 1, present: 2, overLimit: 0 });
    expect(await store.profileSignal(id, '2608.00001')).toBe(-1);

    const many = Array.from({ length: MAX_PROFILE_PAPERS + 5 }, (_, i) => ({ paperId: `2609.${String(i).padStart(5, '0')}` }));
    // Two imports at once: the limit holds whichever runs first.
    const [a, b] = await Promise.all([
      store.importProfilePapers(id, many, 'csl-json', later(2)),
      (await stores.opened.secondStore()).importProfilePapers(id, [...many].reverse(), 'bibtex', later(2)),
    ]);
    expect(a!.added + b!.added).toBe(MAX_PROFILE_PAPERS - 2);
    expect(a!.added + a!.present + a!.overLimit).toBe(many.length);
    expect(b!.added + b!.present + b!.overLimit).toBe(many.length);
    expect(await store.profilePapers(id)).toHaveLength(MAX_PROFILE_PAPERS);
    // A full profile: a paper already in it is present, a new one over the limit.
    expect(await store.importProfilePapers(id, [{ paperId: '2608.00002' }, { paperId: '2610.00001' }], 'list', later(3))).toEqual({ added: 0, present: 1, overLimit: 1 });
  });

  it('writes nothing for an unknown subscriber', async () => {
    const store = await fresh();
    expect(await store.setProfileSignal(999, '2608.00001', 1, NOW)).toBeUndefined();
    expect(await store.importProfilePapers(999, [{ paperId: '2608.00001' }], 'list', NOW)).toBeUndefined();
    expect(await stores.run('SELECT count(*) AS n FROM profile_papers')).toEqual([{ n: 0 }]);
  });
});
