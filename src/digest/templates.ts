// The email templates (templates/*.mjml: Handlebars over MJML, partials in templates/partials/). Filled on the MJML
// thread with the MJML compile that follows (mjml-worker.ts): filling the digest's template with every card of an
// edition (a few thousand at a large install) was ~40 % of the server thread's work at the start of a send, one
// uninterrupted task with requests waiting behind it (the soak's CPU profile).
import Handlebars from 'handlebars';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * templates/ at the repo root, from src/digest (tsx), dist/src/digest (the tsc build, which copies no assets) or a
 * thread's bundle three folders below the package root (src/lib/bundled-thread.mjs).
 */
export const TEMPLATES_DIR = ['../../templates/', '../../../templates/']
  .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
  .find((dir) => existsSync(join(dir, 'digest.mjml'))) ?? fileURLToPath(new URL('../../templates/', import.meta.url));

let handlebars: typeof Handlebars | undefined;
function templates(): typeof Handlebars {
  if (handlebars) return handlebars;
  const hb = Handlebars.create();
  const dir = join(TEMPLATES_DIR, 'partials');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.mjml'))) hb.registerPartial(f.replace(/\.mjml$/, ''), readFileSync(join(dir, f), 'utf8'));
  handlebars = hb;
  return hb;
}

/** Fills an MJML template with Handlebars, which HTML-escapes every {{value}}. */
export function fillTemplate(name: string, data: unknown): string {
  const source = readFileSync(join(TEMPLATES_DIR, `${name}.mjml`), 'utf8');
  return templates().compile(source, { strict: true })(data);
}
