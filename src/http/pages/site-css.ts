// The one stylesheet of the server-rendered pages, served at a content-hashed URL (so the CSP needs no
// 'unsafe-inline' and browsers may cache it forever). Colours meet WCAG AA contrast in light and dark mode.
import { createHash } from 'node:crypto';

export const SITE_CSS = `
:root { color-scheme: light dark; --fg:#18181b; --muted:#52525b; --bg:#f4f4f5; --card:#ffffff; --accent:#1d4ed8; --accent-fg:#ffffff;
  --border:#d4d4d8; --ok-bg:#ecfdf5; --ok-fg:#065f46; --warn-bg:#fef2f2; --warn-fg:#991b1b; --chip:#eef2ff; --chip-fg:#3730a3; --focus:#f59e0b; }
@media (prefers-color-scheme: dark) { :root { --fg:#f4f4f5; --muted:#c4c4cc; --bg:#18181b; --card:#27272a; --accent:#93c5fd; --accent-fg:#18181b;
  --border:#52525b; --ok-bg:#064e3b; --ok-fg:#d1fae5; --warn-bg:#7f1d1d; --warn-fg:#fee2e2; --chip:#312e81; --chip-fg:#e0e7ff; } }
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin:0; font: 17px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; color:var(--fg); background:var(--bg); }
.skip { position:absolute; left:-10000px; top:0; }
.skip:focus { left: 1rem; top: .5rem; background: var(--card); padding: .5rem .75rem; border-radius: 6px; z-index: 10; }
header.site { border-bottom: 1px solid var(--border); background: var(--card); }
header.site .bar { max-width: 42rem; margin: 0 auto; padding: .8rem 1rem; display:flex; gap:1rem; align-items:center; justify-content:space-between; flex-wrap:wrap; }
.brand { color: var(--fg); font-weight: 750; font-size: 1.05rem; text-decoration: none; display:inline-flex; align-items:center; gap:.5rem; }
.brand .logo { display:inline-block; width:1.6rem; height:1.6rem; border-radius:6px; background: var(--accent); color: var(--accent-fg); text-align:center; line-height:1.6rem; font-size:.95rem; }
nav.site { display:flex; gap: 1.1rem; }
nav.site a { color: var(--muted); text-decoration: none; }
nav.site a:hover { color: var(--fg); text-decoration: underline; }
main { max-width: 42rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
footer.site { max-width: 42rem; margin: 0 auto; padding: 0 1rem 2rem; color: var(--muted); font-size: .85rem; }
a { color: var(--accent); text-underline-offset: 2px; }
h1 { font-size: clamp(1.55rem, 5vw, 2rem); line-height: 1.2; margin: .5rem 0 .75rem; letter-spacing: -0.01em; }
h2 { font-size: 1.2rem; margin: 0 0 .5rem; }
p { margin: .5rem 0 .9rem; }
.lede { font-size: 1.1rem; color: var(--muted); }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 12px; padding: 1.1rem 1.25rem 1.25rem; margin: 1.25rem 0; overflow-wrap: anywhere; box-shadow: 0 1px 2px rgba(0,0,0,.04); }
label { display:block; font-weight:600; margin: .9rem 0 .3rem; }
.card > label:first-child, fieldset > legend + label { margin-top: 0; }
fieldset { border: 0; padding: 0; margin: 1rem 0 0; min-width: 0; }
legend { font-weight: 600; padding: 0; margin-bottom: .3rem; }
input[type=email], input[type=text], select, textarea { width:100%; min-height: 2.9rem; padding:.6rem .75rem; font: inherit; font-size: 1rem;
  border:1px solid var(--border); border-radius:8px; background:var(--card); color:var(--fg); }
textarea { min-height: 5rem; resize: vertical; }
input[aria-invalid=true], textarea[aria-invalid=true] { border-color: var(--warn-fg); }
.choice { display:flex; align-items:center; gap:.6rem; font-weight: 400; margin: .45rem 0; min-height: 2.2rem; }
.choice input { width: 1.25rem; height: 1.25rem; margin: 0; accent-color: var(--accent); flex: none; }
.row { display:grid; grid-template-columns: 1fr; gap: 0 1rem; }
@media (min-width: 34rem) { .row { grid-template-columns: 10rem 1fr; } }
.hint { color: var(--muted); font-size: .9rem; margin: .3rem 0 0; }
button + .hint { margin-top: .75rem; }
.optional { color: var(--muted); font-weight: 400; }
button, .button { display:inline-block; margin-top: 1.1rem; min-height: 2.9rem; padding: .65rem 1.3rem; font: inherit; font-size: 1rem; font-weight: 600;
  border: 2px solid var(--accent); border-radius: 8px; background: var(--accent); color: var(--accent-fg); cursor: pointer; text-decoration: none; }
button:hover, .button:hover { filter: brightness(1.1); }
button.secondary, .button.secondary { background: transparent; color: var(--accent); }
button.danger { background: transparent; color: var(--warn-fg); border-color: var(--warn-fg); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.notice { border-radius: 8px; padding: .7rem .9rem; margin: 1rem 0; }
.card > .notice:first-child { margin-top: 0; }
.notice.ok { background: var(--ok-bg); color: var(--ok-fg); }
.notice.error { background: var(--warn-bg); color: var(--warn-fg); }
.badge { display:inline-block; font-size: .8rem; font-weight: 600; border-radius: 999px; padding: .05rem .6rem; background: var(--chip); color: var(--chip-fg); }
.points { list-style: none; padding: 0; margin: 1.5rem 0; display:grid; gap:.75rem; }
.points li { padding-left: 1.6rem; position: relative; }
.points li::before { content: "✓"; position:absolute; left: 0; color: var(--accent); font-weight: 700; }
.hp { position:absolute; left:-10000px; width:1px; height:1px; overflow:hidden; }
ol.papers { padding-left: 1.25rem; } ol.papers li { margin: .9rem 0; }
.reason { font-size:.8rem; background: var(--chip); color: var(--chip-fg); border-radius:4px; padding: 0 .4rem; }
.muted { color: var(--muted); font-size: .9rem; }
h2.paper { font-size: 1.15rem; line-height: 1.35; } h2.paper a { color: var(--fg); }
.choices { display:flex; flex-wrap:wrap; gap: 0 .75rem; } .choices form { margin: 0; }
ul.hint { padding-left: 1.2rem; } ul.hint li { margin: .3rem 0; }
ul.profile { list-style: none; padding: 0; margin: .5rem 0 0; }
ul.profile li { display:flex; gap: .75rem; justify-content: space-between; align-items: center; border-top: 1px solid var(--border); padding: .45rem 0; }
ul.profile form { margin: 0; flex: none; } ul.profile button { margin-top: 0; min-height: 2.2rem; padding: .25rem .8rem; }
input[type=file] { font: inherit; font-size: 1rem; max-width: 100%; }
`;

export const SITE_CSS_HASH = createHash('sha256').update(SITE_CSS).digest('hex').slice(0, 12);
export const SITE_CSS_PATH = `/assets/site.${SITE_CSS_HASH}.css`;
