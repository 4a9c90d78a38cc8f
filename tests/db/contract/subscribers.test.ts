// The subscriber store's contract, one file for both engines: every behaviour of the subscribers area (subscribe
// and its confirmation window, tokens, unsubscribe, preferences, export and delete, the intake's batch and the CSV
// import with a refused row, the counts of /metrics, /readyz and the admin chart), with the same values on SQLite
// and PostgreSQL. Rows of other areas (editions, deliveries, job runs) are seeded with plain SQL until those areas
// have store methods.
import { describe, expect, it } from 'vitest';
import type { SubscribeTerms } from '../../../src/db/stores/subscribers.js';
import { type OpenedTestStore, freshStores, sql, testEngines } from '../../helpers/engines.js';

const NOW = '2026-08-21T07:00:00.000Z';
const later = (minutes: number, from = NOW) => new Date(Date.parse(from) + minutes * 60_000).toISOString();
const terms = (now = NOW): SubscribeTerms => ({ now, resendMinutes: 10 });
const TTL = 48 * 60;


async function seedEdition(location: OpenedTestStore['location'], date: string): Promise<number> {
  await sql(location, "INSERT INTO editions (date, prepared_at, status, subject) VALUES (?, ?, 'ready', 'Digest')", [date, NOW]);
  return Number((await sql(location, 'SELECT id FROM editions WHERE date = ?', [date]))[0]!.id);
}

async function seedDelivery(location: OpenedTestStore['location'], editionId: number, subscriberId: number, status: string): Promise<void> {
  await sql(
    location,
    'INSERT INTO deliveries (edition_id, subscriber_id, status, selection_json, due_at, message_id, updated_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    [editionId, subscriberId, status, '[]', NOW, `<${editionId}.${subscriberId}@papers.example.org>`, NOW, status === 'sent' ? NOW : null],
  );
}

describe.each(testEngines())('subscriber store on $name', ({ open }) => {
  const stores = freshStores(open);
  const { fresh } = stores;

  it('creates a subscriber with topics, and reads it back by id and by email in any case, with the same values', async () => {
    const store = await fresh();
    const id = await store.createSubscriber({ email: 'Ada@Example.org', status: 'active', now: NOW, topics: ['long context', 'cs.CL'], timezone: 'Europe/Berlin', hour: 7 });
    expect(id).toBeTypeOf('number');
    const sub = await store.getSubscriber(id);
    expect(sub).toEqual({
      id,
      email: 'Ada@Example.org',
      status: 'active',
      created_at: NOW,
      updated_at: NOW,
      confirmed_at: NOW,
      unsubscribed_at: null,
      bounced_at: null,
      bounce_reason: null,
      timezone: 'Europe/Berlin',
      delivery_hour: 7,
      frequency: 'daily',
      paused: false,
      confirm_token_hash: null,
      confirm_expires_at: null,
      confirm_sent_at: null,
    });
    expect((await store.getSubscriberByEmail('ada@example.ORG'))?.id).toBe(id);
    expect(await store.getSubscriberByEmail('nobody@example.org')).toBeUndefined();
    expect(await store.getSubscriber(id + 1000)).toBeUndefined();
    expect(await store.subscriberTopics(id)).toEqual(['cs.CL', 'long context']);
    await store.setSubscriberTopics(id, ['agents', 'agents', 'diffusion']);
    expect(await store.subscriberTopics(id)).toEqual(['agents', 'diffusion']);
    await expect(store.createSubscriber({ email: 'ADA@example.org', status: 'pending', now: NOW })).rejects.toThrow();
  });

  it('subscribe: a new address is created pending with its window taken; its token comes with its email; asking again within the window is throttled, after it renewed', async () => {
    const store = await fresh();
    const first = await store.subscribe({ email: 'new@example.org', topics: ['agents'], timezone: 'UTC', hour: 6 }, terms());
    expect(first.action).toBe('created');
    const sub = (await store.getSubscriber(first.subscriberId))!;
    expect(sub).toMatchObject({ status: 'pending', confirm_token_hash: null, confirm_sent_at: NOW, confirm_expires_at: null, timezone: 'UTC', delivery_hour: 6, confirmed_at: null });
    expect(await store.subscriberTopics(sub.id)).toEqual(['agents']);
    // The email leaves: its token is stored for the decision that took the window.
    expect(await store.issueConfirmToken(sub.id, NOW, 'hash-1', later(TTL))).toBe(true);
    expect(await store.getSubscriber(sub.id)).toMatchObject({ confirm_token_hash: 'hash-1', confirm_expires_at: later(TTL), confirm_sent_at: NOW });

    // Within the window: topics and hour follow the new request, the token and window stay.
    const again = await store.subscribe({ email: 'NEW@example.org', topics: ['diffusion'], hour: 9 }, terms(later(5)));
    expect(again).toEqual({ subscriberId: sub.id, email: 'new@example.org', action: 'throttled' });
    expect(await store.getSubscriber(sub.id)).toMatchObject({ confirm_token_hash: 'hash-1', confirm_sent_at: NOW, delivery_hour: 9, timezone: 'UTC' });
    expect(await store.subscriberTopics(sub.id)).toEqual(['diffusion']);

    const renewed = await store.subscribe({ email: 'new@example.org' }, terms(later(11)));
    expect(renewed).toEqual({ subscriberId: sub.id, email: 'new@example.org', action: 'renewed' });
    expect(await store.getSubscriber(sub.id)).toMatchObject({ status: 'pending', confirm_token_hash: 'hash-1', confirm_sent_at: later(11) });
    // The first decision no longer stands: a token for it is refused (its email does not go out); the new one's is stored.
    expect(await store.issueConfirmToken(sub.id, NOW, 'stale', later(TTL))).toBe(false);
    expect(await store.issueConfirmToken(sub.id, later(11), 'hash-3', later(TTL, later(11)))).toBe(true);
    expect(await store.getSubscriber(sub.id)).toMatchObject({ confirm_token_hash: 'hash-3', confirm_expires_at: later(TTL, later(11)) });
  });

  it('subscribe: a confirmed or bounced address is left exactly as it was; an unsubscribed one becomes pending again', async () => {
    const store = await fresh();
    const active = await store.createSubscriber({ email: 'active@example.org', status: 'active', now: NOW, topics: ['agents'] });
    const bounced = await store.createSubscriber({ email: 'bounced@example.org', status: 'active', now: NOW });
    await store.setSubscriberStatus(bounced, 'bounced', NOW, '550 no such user');
    const out = await store.createSubscriber({ email: 'out@example.org', status: 'active', now: NOW });
    await store.unsubscribeSubscriber(out, later(1));
    const before = [await store.getSubscriber(active), await store.getSubscriber(bounced)];

    expect(await store.subscribe({ email: 'active@example.org', topics: ['other'] }, terms(later(60)))).toEqual({ subscriberId: active, email: 'active@example.org', action: 'ignored' });
    expect(await store.subscribe({ email: 'bounced@example.org' }, terms(later(60)))).toEqual({ subscriberId: bounced, email: 'bounced@example.org', action: 'ignored' });
    expect([await store.getSubscriber(active), await store.getSubscriber(bounced)]).toEqual(before);
    expect(before[1]).toMatchObject({ status: 'bounced', bounced_at: NOW, bounce_reason: '550 no such user' });
    expect(await store.subscriberTopics(active)).toEqual(['agents']);

    expect(await store.subscribe({ email: 'out@example.org' }, terms(later(60)))).toEqual({ subscriberId: out, email: 'out@example.org', action: 'renewed' });
    expect(await store.getSubscriber(out)).toMatchObject({ status: 'pending', confirm_sent_at: later(60), unsubscribed_at: later(1), confirmed_at: NOW });
  });

  it('two requests for one new address at once: one creates it and sends, the other finds it and is throttled', async () => {
    const store = await fresh();
    const both = await Promise.all([store.subscribe({ email: 'same@example.org' }, terms()), store.subscribe({ email: 'Same@example.org' }, terms())]);
    expect(both.map((o) => o.action).sort()).toEqual(['created', 'throttled']);
    expect(new Set(both.map((o) => o.subscriberId)).size).toBe(1);
    const created = both.find((o) => o.action === 'created')!;
    // Both name the address as the one that created it spelled it.
    expect(both.map((o) => o.email)).toEqual([created.email, created.email]);
    expect((await store.getSubscriber(created.subscriberId))!.confirm_sent_at).toBe(NOW);
    expect(await store.countSubscribersByStatus()).toEqual({ pending: 1, active: 0, unsubscribed: 0, bounced: 0 });
  });

  it('a failed confirmation email frees the window (only its own decision\'s), so asking again sends at once', async () => {
    const store = await fresh();
    const { subscriberId } = await store.subscribe({ email: 'retry@example.org' }, terms());
    await store.releaseConfirmWindow(subscriberId, later(-1));
    expect((await store.subscribe({ email: 'retry@example.org' }, terms(later(1)))).action).toBe('throttled');
    await store.releaseConfirmWindow(subscriberId, NOW);
    expect((await store.getSubscriber(subscriberId))!.confirm_sent_at).toBeNull();
    expect(await store.issueConfirmToken(subscriberId, NOW, 'too-late', later(TTL))).toBe(false);
    expect((await store.subscribe({ email: 'retry@example.org' }, terms(later(2)))).action).toBe('renewed');
  });

  it('confirmation tokens: unknown is invalid, a live one confirms once, a replay is "used", an old one expired', async () => {
    const store = await fresh();
    const { subscriberId } = await store.subscribe({ email: 'c@example.org' }, terms());
    expect(await store.issueConfirmToken(subscriberId, NOW, 'tok', later(TTL))).toBe(true);
    expect(await store.checkConfirmation('nope', NOW)).toEqual({ ok: false, reason: 'invalid' });
    expect(await store.checkConfirmation('tok', later(48 * 60))).toEqual({ ok: false, reason: 'expired' });
    expect(await store.confirmSubscriber('tok', later(48 * 60 + 1))).toEqual({ ok: false, reason: 'expired' });
    expect((await store.getSubscriber(subscriberId))!.status).toBe('pending');
    // checking does not use the token
    expect(await store.checkConfirmation('tok', later(1))).toEqual({ ok: true, subscriberId });
    expect(await store.confirmSubscriber('tok', later(2))).toEqual({ ok: true, subscriberId });
    expect(await store.getSubscriber(subscriberId)).toMatchObject({ status: 'active', confirmed_at: later(2), updated_at: later(2) });
    expect(await store.confirmSubscriber('tok', later(3))).toEqual({ ok: false, reason: 'used', subscriberId, active: true });
    expect((await store.getSubscriber(subscriberId))!.confirmed_at).toBe(later(2));
    await store.unsubscribeSubscriber(subscriberId, later(4));
    expect(await store.checkConfirmation('tok', later(5))).toEqual({ ok: false, reason: 'used', subscriberId, active: false });
    expect((await store.getSubscriber(subscriberId))!.status).toBe('unsubscribed');
    // No new token for an address that is no longer pending, even for the decision that took its window.
    expect(await store.issueConfirmToken(subscriberId, NOW, 'tok-2', later(TTL))).toBe(false);
  });

  it('two confirmations of one token at once: exactly one activates', async () => {
    const store = await fresh();
    const { subscriberId } = await store.subscribe({ email: 'race@example.org' }, terms());
    await store.issueConfirmToken(subscriberId, NOW, 'race', later(TTL));
    const results = await Promise.all([store.confirmSubscriber('race', later(1)), store.confirmSubscriber('race', later(1))]);
    expect(results.filter((r) => r.ok)).toEqual([{ ok: true, subscriberId }]);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'used', subscriberId, active: true }]);
  });

  it('unsubscribe is idempotent, skips the deliveries not yet claimed, and says "unknown" for no one', async () => {
    const store = await fresh();
    const { location } = stores.opened;
    const id = await store.createSubscriber({ email: 'u@example.org', status: 'active', now: NOW });
    const e1 = await seedEdition(location, '2026-08-20');
    const e2 = await seedEdition(location, '2026-08-21');
    const e3 = await seedEdition(location, '2026-08-22');
    await seedDelivery(location, e1, id, 'sent');
    await seedDelivery(location, e2, id, 'sending');
    await seedDelivery(location, e3, id, 'pending');
    expect(await store.unsubscribeSubscriber(id, later(1))).toBe('unsubscribed');
    expect(await store.getSubscriber(id)).toMatchObject({ status: 'unsubscribed', unsubscribed_at: later(1), updated_at: later(1) });
    const rows = await sql(location, 'SELECT status, error FROM deliveries WHERE subscriber_id = ? ORDER BY edition_id', [id]);
    expect(rows).toEqual([
      { status: 'sent', error: null },
      { status: 'sending', error: null },
      { status: 'skipped', error: 'unsubscribed' },
    ]);
    expect(await store.unsubscribeSubscriber(id, later(2))).toBe('already');
    expect((await store.getSubscriber(id))!.unsubscribed_at).toBe(later(1));
    expect(await store.unsubscribeSubscriber(id + 99, later(2))).toBe('unknown');
    const bounced = await store.createSubscriber({ email: 'b@example.org', status: 'bounced', now: NOW });
    expect(await store.unsubscribeSubscriber(bounced, later(2))).toBe('already');
    // An operator's reason is recorded on what it skipped.
    const pending = await store.createSubscriber({ email: 'p@example.org', status: 'pending', now: NOW });
    await seedDelivery(location, e3, pending, 'pending');
    expect(await store.unsubscribeSubscriber(pending, later(3), 'unsubscribed by an operator')).toBe('unsubscribed');
    expect(await sql(location, 'SELECT error FROM deliveries WHERE subscriber_id = ?', [pending])).toEqual([{ error: 'unsubscribed by an operator' }]);
  });

  it('preferences: topics and delivery settings are replaced; pausing skips pending deliveries once; unknown is false', async () => {
    const store = await fresh();
    const { location } = stores.opened;
    const id = await store.createSubscriber({ email: 'p@example.org', status: 'active', now: NOW, topics: ['old'] });
    const e = await seedEdition(location, '2026-08-21');
    await seedDelivery(location, e, id, 'pending');
    expect(await store.updateSubscriberPreferences(id, { topics: ['agents', 'cs.LG'], timezone: 'Asia/Tokyo', hour: 22, frequency: 'weekly', paused: false }, later(1))).toBe(true);
    expect(await store.getSubscriber(id)).toMatchObject({ timezone: 'Asia/Tokyo', delivery_hour: 22, frequency: 'weekly', paused: false, updated_at: later(1) });
    expect(await store.subscriberTopics(id)).toEqual(['agents', 'cs.LG']);
    expect(await sql(location, 'SELECT status FROM deliveries WHERE subscriber_id = ?', [id])).toEqual([{ status: 'pending' }]);

    expect(await store.updateSubscriberPreferences(id, { topics: [], timezone: null, hour: null, frequency: 'daily', paused: true }, later(2))).toBe(true);
    expect(await store.getSubscriber(id)).toMatchObject({ timezone: null, delivery_hour: null, frequency: 'daily', paused: true });
    expect(await store.subscriberTopics(id)).toEqual([]);
    expect(await sql(location, 'SELECT status, error FROM deliveries WHERE subscriber_id = ?', [id])).toEqual([{ status: 'skipped', error: 'paused' }]);
    expect(await store.updateSubscriberPreferences(id + 50, { topics: [], timezone: null, hour: null, frequency: 'daily', paused: false }, later(3))).toBe(false);
    // A refused value changes nothing (one unit of work: the topics are not replaced either).
    await expect(store.updateSubscriberPreferences(id, { topics: ['kept?'], timezone: null, hour: 24, frequency: 'daily', paused: false }, later(4))).rejects.toThrow();
    expect(await store.subscriberTopics(id)).toEqual([]);
  });

  it('resume: an address confirmed before comes back; never-confirmed and bounced ones cannot; active stays active', async () => {
    const store = await fresh();
    const was = await store.createSubscriber({ email: 'was@example.org', status: 'active', now: NOW });
    await store.unsubscribeSubscriber(was, later(1));
    expect(await store.resumeSubscriber(was, later(2))).toBe('active');
    expect(await store.getSubscriber(was)).toMatchObject({ status: 'active', confirmed_at: NOW });
    expect(await store.resumeSubscriber(was, later(3))).toBe('active');
    const never = await store.subscribe({ email: 'never@example.org' }, terms());
    await store.unsubscribeSubscriber(never.subscriberId, later(1));
    expect(await store.resumeSubscriber(never.subscriberId, later(2))).toBe('not_allowed');
    const bounced = await store.createSubscriber({ email: 'b@example.org', status: 'bounced', now: NOW });
    expect(await store.resumeSubscriber(bounced, later(2))).toBe('not_allowed');
    expect(await store.resumeSubscriber(9999, later(2))).toBe('unknown');
  });

  it('export holds the subscriber, topics, deliveries, papers sent and rows of tables it does not know; delete removes them all', async () => {
    const store = await fresh();
    const { location } = stores.opened;
    const id = await store.createSubscriber({ email: 'x@example.org', status: 'active', now: NOW, topics: ['agents'] });
    const other = await store.createSubscriber({ email: 'y@example.org', status: 'active', now: NOW });
    const e1 = await seedEdition(location, '2026-08-20');
    const e2 = await seedEdition(location, '2026-08-21');
    await seedDelivery(location, e1, id, 'sent');
    await seedDelivery(location, e2, id, 'pending');
    await seedDelivery(location, e1, other, 'sent');
    await sql(location, 'INSERT INTO sent_papers (edition_id, subscriber_id, papers_json) VALUES (?, ?, ?)', [e1, id, '["2408.00002","2408.00001"]']);
    await sql(location, 'INSERT INTO sent_papers (edition_id, subscriber_id, papers_json) VALUES (?, ?, ?)', [e1, other, '["2408.00003"]']);
    // A table a later migration might add: found through its foreign key.
    await sql(
      location,
      location.engine === 'sqlite'
        ? 'CREATE TABLE notes (id INTEGER PRIMARY KEY, subscriber_id INTEGER NOT NULL REFERENCES subscribers(id), note TEXT NOT NULL)'
        : 'CREATE TABLE notes (id integer PRIMARY KEY, subscriber_id bigint NOT NULL REFERENCES subscribers (id), note text NOT NULL)',
    );
    await sql(location, 'INSERT INTO notes (id, subscriber_id, note) VALUES (1, ?, ?), (2, ?, ?)', [id, 'hello', other, 'keep']);

    const data = (await store.subscriberExport(id))!;
    expect(data.subscriber).toEqual(await store.getSubscriber(id));
    expect(data.topics).toEqual(['agents']);
    expect(data.deliveries).toEqual([
      { edition_date: '2026-08-20', status: 'sent', sent_at: NOW, message_id: `<${e1}.${id}@papers.example.org>` },
      { edition_date: '2026-08-21', status: 'pending', sent_at: null, message_id: `<${e2}.${id}@papers.example.org>` },
    ]);
    expect(data.sentPapers).toEqual([
      { paper_id: '2408.00001', edition_date: '2026-08-20' },
      { paper_id: '2408.00002', edition_date: '2026-08-20' },
    ]);
    expect(data.otherRecords).toEqual({ notes: [{ id: 1, subscriber_id: id, note: 'hello' }] });
    expect(await store.subscriberExport(9999)).toBeUndefined();

    // subscriber 1 + topic 1 + deliveries 2 + sent_papers 1 + notes 1 (no ON DELETE CASCADE there)
    expect(await store.deleteSubscriber(id)).toBe(6);
    expect(await store.getSubscriber(id)).toBeUndefined();
    expect(await store.deleteSubscriber(id)).toBe(0);
    expect(await sql(location, 'SELECT count(*) AS n FROM deliveries')).toEqual([{ n: 1 }]);
    expect(await sql(location, 'SELECT note FROM notes')).toEqual([{ note: 'keep' }]);
    expect((await store.subscriberExport(other))!.sentPapers).toEqual([{ paper_id: '2408.00003', edition_date: '2026-08-20' }]);
  });

  it('the intake batch records every request in one go; a refused request is reported alone and the others are kept', async () => {
    const store = await fresh();
    await store.createSubscriber({ email: 'known@example.org', status: 'active', now: NOW });
    const out = await store.subscribeBatch([
      { request: { email: 'a@example.org', topics: ['agents'] }, terms: terms() },
      { request: { email: 'bad@example.org', hour: 99 }, terms: terms() }, // the CHECK on delivery_hour refuses it
      { request: { email: 'known@example.org' }, terms: terms() },
      { request: { email: 'A@example.org' }, terms: terms(later(1)) },
      { request: { email: 'c@example.org' }, terms: terms() },
    ]);
    expect(out.map((o) => ('failed' in o ? 'failed' : o.action))).toEqual(['created', 'failed', 'ignored', 'throttled', 'created']);
    expect(await store.getSubscriberByEmail('bad@example.org')).toBeUndefined();
    expect(await store.countSubscribersByStatus()).toEqual({ pending: 2, active: 1, unsubscribed: 0, bounced: 0 });
    expect(await store.subscriberTopics((await store.getSubscriberByEmail('a@example.org'))!.id)).toEqual(['agents']);
    // A new address is written with its confirmation window taken (its token comes with its email).
    expect(await store.getSubscriberByEmail('c@example.org')).toMatchObject({
      status: 'pending',
      created_at: NOW,
      confirm_token_hash: null,
      confirm_expires_at: null,
      confirm_sent_at: NOW,
      timezone: null,
      delivery_hour: null,
    });
    expect(await store.subscribeBatch([])).toEqual([]);
  });

  it('the intake batch without a refused request writes every one (the batch in one savepoint)', async () => {
    const store = await fresh();
    const out = await store.subscribeBatch(
      Array.from({ length: 50 }, (_, i) => ({ request: { email: `n${i}@example.org`, topics: ['agents', 'cs.CL'], timezone: 'Europe/Berlin', hour: 7 }, terms: terms() })),
    );
    expect(out.every((o) => !('failed' in o) && o.action === 'created')).toBe(true);
    expect(await store.countSubscribersByStatus()).toEqual({ pending: 50, active: 0, unsubscribed: 0, bounced: 0 });
    const last = (await store.getSubscriberByEmail('n49@example.org'))!;
    expect(last).toMatchObject({ confirm_sent_at: NOW, timezone: 'Europe/Berlin', delivery_hour: 7, frequency: 'daily', paused: false });
    expect(await store.subscriberTopics(last.id)).toEqual(['agents', 'cs.CL']);
  });

  it('CSV import adds new addresses, counts present ones, writes nothing on a dry run, and one refused row does not sink the rest', async () => {
    const store = await fresh();
    await store.createSubscriber({ email: 'here@example.org', status: 'active', now: NOW });
    const rows = [
      { line: 2, email: 'one@example.org', status: 'active' as const, now: NOW, topics: ['agents'], paused: true, frequency: 'weekly' as const },
      { line: 3, email: 'HERE@example.org', status: 'active' as const, now: NOW },
      { line: 4, email: 'bad@example.org', status: 'active' as const, now: NOW, hour: 40 },
      { line: 5, email: 'two@example.org', status: 'pending' as const, now: NOW, timezone: 'UTC', hour: 8 },
    ];
    expect(await store.importSubscribers(rows, { dryRun: true })).toEqual({ added: 3, existing: 1, failed: [] });
    expect(await store.countSubscribersByStatus()).toEqual({ pending: 0, active: 1, unsubscribed: 0, bounced: 0 });

    const r = await store.importSubscribers(rows, { dryRun: false });
    expect({ ...r, failed: r.failed.map((f) => f.line) }).toEqual({ added: 2, existing: 1, failed: [4] });
    expect(r.failed[0]!.error).toMatch(/check|constraint/i);
    const one = (await store.getSubscriberByEmail('one@example.org'))!;
    expect(one).toMatchObject({ status: 'active', paused: true, frequency: 'weekly', confirmed_at: NOW });
    expect(await store.subscriberTopics(one.id)).toEqual(['agents']);
    expect(await store.getSubscriberByEmail('two@example.org')).toMatchObject({ status: 'pending', timezone: 'UTC', delivery_hour: 8, confirmed_at: null });
    expect(await store.getSubscriberByEmail('bad@example.org')).toBeUndefined();
    expect(await store.importSubscribers(rows.slice(0, 2), { dryRun: false })).toEqual({ added: 0, existing: 2, failed: [] });
  });

  it('CSV export pages through subscribers in id order, of one status or all, with topics sorted', async () => {
    const store = await fresh();
    const ids = [];
    for (let i = 0; i < 5; i++)
      ids.push(await store.createSubscriber({ email: `r${i}@example.org`, status: i % 2 ? 'pending' : 'active', now: NOW, topics: i === 0 ? ['zeta', 'alpha'] : [], paused: i === 2 }));
    const first = await store.exportSubscribersPage(0, null, 2);
    expect(first).toEqual([
      { id: ids[0], email: 'r0@example.org', status: 'active', topics: ['alpha', 'zeta'], timezone: null, delivery_hour: null, frequency: 'daily', paused: false, created_at: NOW, confirmed_at: NOW },
      { id: ids[1], email: 'r1@example.org', status: 'pending', topics: [], timezone: null, delivery_hour: null, frequency: 'daily', paused: false, created_at: NOW, confirmed_at: null },
    ]);
    expect((await store.exportSubscribersPage(ids[1]!, null, 10)).map((r) => r.id)).toEqual(ids.slice(2));
    const active = await store.exportSubscribersPage(0, 'active', 10);
    expect(active.map((r) => [r.email, r.paused])).toEqual([
      ['r0@example.org', false],
      ['r2@example.org', true],
      ['r4@example.org', false],
    ]);
    expect(await store.exportSubscribersPage(ids[4]!, null, 10)).toEqual([]);
  });

  it('active subscribers come a page at a time in id order', async () => {
    const store = await fresh();
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push(await store.createSubscriber({ email: `a${i}@example.org`, status: i === 3 ? 'pending' : 'active', now: NOW }));
    const page1 = await store.activeSubscribersPage(0, 4);
    expect(page1.map((s) => s.id)).toEqual([ids[0], ids[1], ids[2], ids[4]]);
    expect(page1[0]!.paused).toBe(false);
    expect((await store.activeSubscribersPage(page1.at(-1)!.id, 4)).map((s) => s.id)).toEqual([ids[5], ids[6]]);
  });

  it('counts by status (zeros included), and the daily record of them for the admin chart', async () => {
    const store = await fresh();
    expect(await store.countSubscribersByStatus()).toEqual({ pending: 0, active: 0, unsubscribed: 0, bounced: 0 });
    await store.createSubscriber({ email: 'a@example.org', status: 'active', now: NOW });
    await store.createSubscriber({ email: 'b@example.org', status: 'active', now: NOW });
    await store.createSubscriber({ email: 'c@example.org', status: 'pending', now: NOW });
    expect(await store.countSubscribersByStatus()).toEqual({ pending: 1, active: 2, unsubscribed: 0, bounced: 0 });
    await store.recordSubscriberCounts('2026-08-19');
    await store.createSubscriber({ email: 'd@example.org', status: 'active', now: NOW });
    await store.recordSubscriberCounts('2026-08-21');
    await store.recordSubscriberCounts('2026-08-20');
    await store.createSubscriber({ email: 'e@example.org', status: 'active', now: NOW });
    await store.recordSubscriberCounts('2026-08-21'); // the same date again overwrites
    expect(await store.activeSubscribersHistory(90)).toEqual([
      { date: '2026-08-19', n: 2 },
      { date: '2026-08-20', n: 3 },
      { date: '2026-08-21', n: 4 },
    ]);
    expect(await store.activeSubscribersHistory(2)).toEqual([
      { date: '2026-08-20', n: 3 },
      { date: '2026-08-21', n: 4 },
    ]);
    const rows = await stores.run("SELECT status, n FROM subscriber_counts WHERE date = '2026-08-19' ORDER BY status");
    expect(rows).toEqual([
      { status: 'active', n: 2 },
      { status: 'bounced', n: 0 },
      { status: 'pending', n: 1 },
      { status: 'unsubscribed', n: 0 },
    ]);
  });

  it('health and metrics read models: ping, applied migrations, counts, the last successful run of a job', async () => {
    const store = await fresh();
    const { location } = stores.opened;
    await expect(store.pingDatabase()).resolves.toBeUndefined();
    const applied = await store.appliedMigrations();
    expect(applied).toContain(1);
    expect(applied).toContain(14);
    expect(await store.metricsCounts()).toEqual({
      ingestedBySource: [],
      papersStored: 0,
      deliveriesByStatus: {},
      subscribersByStatus: { pending: 0, active: 0, unsubscribed: 0, bounced: 0 },
    });
    const a = await store.createSubscriber({ email: 'a@example.org', status: 'active', now: NOW });
    const e1 = await seedEdition(location, '2026-08-20');
    const e2 = await seedEdition(location, '2026-08-21');
    await seedDelivery(location, e1, a, 'sent');
    await seedDelivery(location, e2, a, 'pending');
    for (const [source, inserted] of [['hf', 3], ['hf', 4], ['arxiv', 2]] as const)
      await sql(location, "INSERT INTO ingest_runs (source, started_at, finished_at, status, inserted) VALUES (?, ?, ?, 'ok', ?)", [source, NOW, NOW, inserted]);
    const m = await store.metricsCounts();
    expect(m).toEqual({
      ingestedBySource: [
        { source: 'arxiv', n: 2 },
        { source: 'hf', n: 7 },
      ],
      papersStored: 0,
      deliveriesByStatus: { sent: 1, pending: 1 },
      subscribersByStatus: { pending: 0, active: 1, unsubscribed: 0, bounced: 0 },
    });

    expect(await store.lastSuccessfulRun('daily')).toBeUndefined();
    const run = (day: string, status: string, started: string, finished: string) =>
      sql(location, 'INSERT INTO job_runs (job, scheduled_for, started_at, finished_at, status) VALUES (?, ?, ?, ?, ?)', ['daily', day, started, finished, status]);
    await run('2026-08-19', 'ok', later(-2 * 1440), later(-2 * 1440 + 3));
    await run('2026-08-20', 'ok', later(-1440), later(-1440 + 5));
    await run('2026-08-21', 'failed', NOW, later(1));
    expect(await store.lastSuccessfulRun('daily')).toEqual({ started_at: later(-1440), finished_at: later(-1440 + 5) });
    expect(await store.lastSuccessfulRun('other')).toBeUndefined();
  });

  it("metrics' status counts follow every kind of change (on SQLite kept by triggers, not by scanning the tables)", async () => {
    const store = await fresh();
    const { location } = stores.opened;
    // What the tables hold, counted the slow way, in the shape metricsCounts gives.
    const scanned = async () => {
      const of = async (table: string): Promise<Record<string, number>> =>
        Object.fromEntries((await sql(location, `SELECT status, count(*) AS n FROM ${table} GROUP BY status`)).map((r) => [r.status, Number(r.n)]));
      return { deliveriesByStatus: await of('deliveries'), subscribersByStatus: { pending: 0, active: 0, unsubscribed: 0, bounced: 0, ...(await of('subscribers')) } };
    };
    const counted = async () => {
      const { deliveriesByStatus, subscribersByStatus } = await store.metricsCounts();
      expect(await store.countSubscribersByStatus()).toEqual(subscribersByStatus);
      return { deliveriesByStatus, subscribersByStatus };
    };
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await store.createSubscriber({ email: `c${i}@example.org`, status: 'active', now: NOW }));
    const [s0, s1, s2, s3, s4, s5] = ids as [number, number, number, number, number, number];
    await store.subscribe({ email: 'new@example.org' }, terms()); // a pending one, through the intake's write
    const e1 = await seedEdition(location, '2026-08-20');
    const e2 = await seedEdition(location, '2026-08-21');
    for (const s of ids) await seedDelivery(location, e2, s, 'pending');
    await seedDelivery(location, e1, s0, 'failed');
    await seedDelivery(location, e1, s1, 'sent');
    expect(await counted()).toEqual(await scanned());

    // A sender claims three (pending → sending), then records what they came to.
    await store.registerSender({ owner: 'counts-test', host: 'h', pid: 1 }, NOW);
    const { claimed } = await store.recordAndClaim('counts-test', NOW, [], { cursor: 0, limit: 3, editionId: e2 });
    expect(claimed).toHaveLength(3);
    expect(await counted()).toEqual({ ...(await scanned()), deliveriesByStatus: { pending: 3, sending: 3, failed: 1, sent: 1 } });
    const [c0, c1, c2] = claimed as [(typeof claimed)[0], (typeof claimed)[0], (typeof claimed)[0]];
    await store.recordAndClaim('counts-test', NOW, [
      { id: c0.id, to: 'sent', response: '250 ok' },
      { id: c1.id, to: 'failed', error: '550 no' },
      { id: c2.id, to: 'bounced', subscriberId: c2.subscriber_id, error: '550 no such user' },
    ], null);
    await store.unsubscribeSubscriber(s3, NOW); // its pending delivery is skipped
    await store.subscribe({ email: 'c3@example.org' }, terms(later(60))); // and asks again: the upsert's own update
    await store.setSubscriberStatus(s4, 'unsubscribed', NOW);
    await store.setSubscriberStatus(s4, 'unsubscribed', NOW); // the same status again changes no count
    await store.retryDeliveries(e1, NOW); // e1's failed goes back to pending
    await store.deleteSubscriber(s5); // the reader and their deliveries go
    await sql(location, "UPDATE deliveries SET status = 'sent' WHERE subscriber_id = ?", [s4]); // a person's SQL
    const after = await scanned();
    expect(await counted()).toEqual(after);
    // Per edition too (the admin's dashboard and its edition page), against a count of each edition's rows.
    for (const e of [e1, e2]) {
      const rows = await sql(location, 'SELECT status, count(*) AS n FROM deliveries WHERE edition_id = ? GROUP BY status', [e]);
      const byEdition = { pending: 0, sending: 0, sent: 0, failed: 0, bounced: 0, skipped: 0, ...Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])) };
      expect(await store.editionDeliveryCounts(e)).toEqual(byEdition);
    }
    const sends = await store.editionSends(30);
    expect(sends.map((x) => [x.date, x.sent + x.failed + x.bounced + x.queued + x.skipped])).toEqual([['2026-08-20', 2], ['2026-08-21', 5]]);
    expect(after.subscribersByStatus).toEqual({ pending: 2, active: 2, unsubscribed: 1, bounced: 1 }); // s3 pending again
    expect(Object.values(after.deliveriesByStatus).reduce((a, b) => a + b, 0)).toBe(7); // 8 seeded, s5's gone
    expect(after.deliveriesByStatus).toMatchObject({ bounced: 1, skipped: 1 }); // none is left sending: no such key
  });
});
