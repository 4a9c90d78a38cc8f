// Debian's Chromium driven by playwright-core, launched the one way this project allows (no downloaded browser).
// A missing chromium fails the suite loudly: browser tests never skip.
import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

export function chromiumPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('Debian chromium is not installed (apt-get install chromium): the browser tests cannot run');
  }
}

/** launch() gives every run a fresh temporary profile of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
