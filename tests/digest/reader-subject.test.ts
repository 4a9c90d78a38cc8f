// Each reader's subject names the first paper of *their* digest, not the edition's #1 (which they may already
// have had and will not find in the body). Real week, real SMTP server; the edition is compiled once per send.
import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, HF_FIXTURES, tempDir } from '../helpers/app.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';
import { fixedClock } from '../../src/lib/clock.js';
import { runIngest } from '../../src/ingest/run-ingest.js';
import { prepareEdition } from '../../src/digest/prepare.js';
import { sendDue } from '../../src/mail/send-edition.js';
import type { Section } from '../../src/rank/select.js';
import { escapeHtml } from '../../src/lib/escape-html.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe("a reader's own subject", () => {
  it('names the first paper of their digest when the edition\'s #1 is a paper they already had', async () => {
    const feed = tempDir('subject-feed-');
    cleanups.push(feed.cleanup);
    for (const d of ['2026-08-17', '2026-08-18', '2026-08-19', '2026-08-20']) cpSync(join(HF_FIXTURES, `${d}.json`), join(feed.dir, `${d}.json`));
    const smtp = await startSmtpSink();
    const clock = fixedClock('2026-08-20T07:00:00.000Z');
    const app = createTestApp({ SMTP_URL: smtp.url, FILE_SOURCE_PATH: feed.dir }, { clock });
    cleanups.push(() => smtp.close(), () => app.cleanup());
    const veteran = app.subscriptions.repo.create({ email: 'veteran@example.org', status: 'active', now: clock.now().toISOString() });

    await runIngest({ ...app, sources: app.sources('file') });
    const day1 = prepareEdition(app, '2026-08-20', app.prepareSettings);
    await sendDue(app, app.sendSettings, { editionId: day1.edition.id });
    const had = (JSON.parse(app.db.prepare('SELECT selection_json FROM deliveries WHERE subscriber_id = ?').pluck().get(veteran) as string) as Section[])[0]!.papers[0]!.id;

    // Overnight the paper that led 08-20 takes 400 more votes: on 08-21 it is the edition's #1 again.
    const file = join(feed.dir, '2026-08-20.json');
    const items = JSON.parse(readFileSync(file, 'utf8')) as { paper: { id: string; upvotes: number } }[];
    items.find((i) => i.paper.id === had)!.paper.upvotes += 400;
    writeFileSync(file, JSON.stringify(items));
    cpSync(join(HF_FIXTURES, '2026-08-21.json'), join(feed.dir, '2026-08-21.json'));
    clock.set('2026-08-21T07:00:00.000Z');
    const newcomer = app.subscriptions.repo.create({ email: 'newcomer@example.org', status: 'active', now: clock.now().toISOString() });
    await runIngest({ ...app, sources: app.sources('file') });
    const day2 = prepareEdition(app, '2026-08-21', app.prepareSettings);
    const top = app.db.prepare('SELECT paper_id FROM edition_papers WHERE edition_id = ? AND rank = 1').pluck().get(day2.edition.id);
    expect(top).toBe(had);
    await sendDue(app, app.sendSettings, { editionId: day2.edition.id });

    const title = (id: string) => (app.db.prepare('SELECT title FROM papers WHERE id = ?').pluck().get(id) as string).replace(/\s+/g, ' ').trim();
    const firstOf = (sub: number) =>
      (JSON.parse(app.db.prepare('SELECT selection_json FROM deliveries WHERE edition_id = ? AND subscriber_id = ?').pluck().get(day2.edition.id, sub) as string) as Section[])[0]!.papers[0]!.id;
    const mailTo = async (email: string) => smtp.parsed(smtp.messages.reduce((at, m, k) => (m.to.includes(email) ? k : at), -1));

    const vet = await mailTo('veteran@example.org');
    expect(firstOf(veteran)).not.toBe(had);
    expect(vet.subject).toBe(`Trending papers for 2026-08-21: ${title(firstOf(veteran))}`);
    expect(vet.subject).not.toContain(title(had));
    expect(/<title>([^<]*)<\/title>/.exec(vet.html as string)![1]).toBe(escapeHtml(vet.subject!));
    // The newcomer's first paper is the edition's #1, and so is their subject — the archive's too.
    const fresh = await mailTo('newcomer@example.org');
    expect(firstOf(newcomer)).toBe(had);
    expect(fresh.subject).toBe(`Trending papers for 2026-08-21: ${title(had)}`);
    expect(day2.edition.subject).toBe(fresh.subject);
  });
});
