// The page shell shared by every server-rendered page: accessible (landmarks, skip link, one h1 per page),
// readable on a phone, no JavaScript and no inline style (the strict CSP allows only our stylesheet).
import { html, type Raw } from './html.js';
import { SITE_CSS_PATH } from './site-css.js';

export function page(title: string, body: Raw, options: { description?: string; head?: Raw } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · Trending Papers</title>
${options.description ? html`<meta name="description" content="${options.description}">` : ''}
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${SITE_CSS_PATH}">
${options.head ?? ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><div class="bar"><a class="brand" href="/"><span class="logo" aria-hidden="true">▲</span>Trending Papers</a><nav class="site" aria-label="Site"><a href="/">Subscribe</a><a href="/archive">Archive</a></nav></div></header>
<main id="main" tabindex="-1">
${body}
</main>
<footer class="site"><p>A self-hosted digest of the research papers the community is reading. No tracking pixels, no cookies.</p></footer>
</body>
</html>`.value;
}
