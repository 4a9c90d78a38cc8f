// The digest as a reader sees it: headless Chromium renders the real email at phone and desktop widths, in
// light and dark mode, and writes screenshots to artifacts/screenshots/ (git-ignored) for people to look at.
// Asserts the layout never overflows horizontally at 375 px and that dark mode really restyles it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { compileEdition, renderConfirmation } from '../../src/digest/render.js';
import { READER, sampleEdition, type SampleEdition } from '../digest/sample-edition.js';

const SHOTS = resolve('artifacts/screenshots');
const WIDTHS = [375, 1200] as const;
const SCHEMES = ['light', 'dark'] as const;

// Page-side code is passed as source text: the project compiles without the DOM library.
const MEASURE_OVERFLOW = `(() => {
  const wide = [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
    .map((el) => el.tagName.toLowerCase() + '.' + el.className);
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, wide: wide.slice(0, 5) };
})()`;

describe('the digest in a browser', () => {
  let s: SampleEdition;
  let browser: Browser;
  let digest: string;
  let confirm: string;
  /** Worst case for a phone: unbreakable words and long links where people's data goes. */
  let stress: string;

  beforeAll(async () => {
    browser = await launchChromium(); // first: a missing chromium fails before any work
    s = await sampleEdition();
    digest = s.compiled.renderFor(s.recipient(READER.email)).html;
    const long = `Supercalifragilistic${'expialidocious'.repeat(6)}`;
    const paper = {
      ...s.edition.papers[0]!.snapshot,
      title: `${long}: ${long}`,
      authors: [long, 'B', 'C', 'D'],
      organization: long,
      summary: `${long} ${long}`,
      githubUrl: `https://github.com/${long}/${long}`,
      githubStars: 123456,
    };
    stress = (await compileEdition({ date: s.edition.date, subject: long, papers: [paper] }, { publicBaseUrl: s.app.config.publicBaseUrl })).renderFor({
      ...s.recipient(READER.email),
      sections: [{ kind: 'topic', title: `For you: ${long}`, topic: long, papers: [{ id: paper.id, reason: `matches: ${long}` }] }],
    }).html;
    confirm = (await renderConfirmation({ publicBaseUrl: s.app.config.publicBaseUrl, ttlHours: 48 }, `${s.app.config.publicBaseUrl}/confirm?token=abc`)).html;
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await s?.app.cleanup();
  });

  /** A page holding the email with every network request refused: an email must render from itself. */
  async function open(html: string, width: number, colorScheme: 'light' | 'dark'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme });
    const requests: string[] = [];
    await page.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.abort();
    });
    await page.setContent(html, { waitUntil: 'load' });
    expect(requests, 'the email fetches nothing').toEqual([]);
    return page;
  }

  for (const width of WIDTHS)
    for (const scheme of SCHEMES)
      it(`screenshots the digest at ${width} px, ${scheme}`, async () => {
        const page = await open(digest, width, scheme);
        try {
          const file = join(SHOTS, `digest-${width}-${scheme}.png`);
          await page.screenshot({ path: file, fullPage: true });
          expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
          const bg = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
          // Light keeps the grey page; dark mode swaps it for a near-black one.
          expect(bg).toBe(scheme === 'light' ? 'rgb(244, 244, 245)' : 'rgb(17, 17, 19)');
        } finally {
          await page.close();
        }
      });

  it('does not overflow horizontally at 375 px, in either scheme, even with unbreakable words', async () => {
    for (const [html, scheme] of [[digest, 'light'], [digest, 'dark'], [stress, 'light']] as const) {
      const page = await open(html, 375, scheme);
      try {
        const m = await page.evaluate<{ scrollWidth: number; innerWidth: number; wide: string[] }>(MEASURE_OVERFLOW);
        expect(m.innerWidth).toBe(375);
        expect(m.scrollWidth, `wider than the screen: ${m.wide.join(', ')}`).toBeLessThanOrEqual(375);
        expect(m.wide).toEqual([]);
      } finally {
        await page.close();
      }
    }
  });

  it('screenshots the confirmation email at 375 px, light and dark', async () => {
    for (const scheme of SCHEMES) {
      const page = await open(confirm, 375, scheme);
      try {
        await page.screenshot({ path: join(SHOTS, `confirm-375-${scheme}.png`), fullPage: true });
        expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      } finally {
        await page.close();
      }
    }
  });
});
