// The page shell shared by every server-rendered page: accessible, readable on a phone, no JavaScript needed.
import { html, type Raw } from './html.js';

const CSS = `
:root { color-scheme: light dark; --fg:#18181b; --muted:#52525b; --bg:#fafafa; --card:#fff; --accent:#1d4ed8; --border:#d4d4d8; }
@media (prefers-color-scheme: dark) { :root { --fg:#f4f4f5; --muted:#a1a1aa; --bg:#18181b; --card:#27272a; --accent:#93c5fd; --border:#3f3f46; } }
* { box-sizing: border-box; }
body { margin:0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
main { max-width: 44rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
header.site { max-width: 44rem; margin: 0 auto; padding: 1rem 1rem 0; display:flex; gap:1rem; align-items:baseline; flex-wrap:wrap; }
header.site a { color: var(--fg); font-weight: 700; text-decoration: none; }
nav a { color: var(--muted); margin-right: .75rem; }
a { color: var(--accent); }
h1 { font-size: 1.6rem; line-height: 1.25; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0; overflow-wrap: anywhere; }
label { display:block; font-weight:600; margin: .75rem 0 .25rem; }
input[type=email], input[type=text], select { width:100%; padding:.6rem .7rem; font-size:1rem; border:1px solid var(--border); border-radius:6px; background:var(--card); color:var(--fg); }
button { margin-top: 1rem; padding: .65rem 1.2rem; font-size: 1rem; border: 0; border-radius: 6px; background: var(--accent); color: #fff; cursor: pointer; }
@media (prefers-color-scheme: dark) { button { color: #18181b; } }
button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.muted { color: var(--muted); font-size: .9rem; }
.hp { position:absolute; left:-10000px; width:1px; height:1px; overflow:hidden; }
ol.papers { padding-left: 1.25rem; } ol.papers li { margin: .9rem 0; }
.reason { font-size:.8rem; background: #eef2ff; color:#3730a3; border-radius:4px; padding: 0 .4rem; }
`;

export function page(title: string, body: Raw, options: { description?: string; head?: Raw } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · Trending Papers</title>
${options.description ? html`<meta name="description" content="${options.description}">` : ''}
${options.head ?? ''}
<style>${CSS}</style>
</head>
<body>
<header class="site"><a href="/">Trending Papers</a><nav aria-label="Site"><a href="/archive">Archive</a></nav></header>
<main id="main">
${body}
</main>
</body>
</html>`.value;
}
