// The preferences page (topics, delivery hour and timezone, daily or weekly, pause, subscribe again) with
// "download my data" and "delete my data". Reached only through a signed link; nothing here needs a login.
import { html } from './html.js';
import { page } from './layout.js';
import type { Subscriber } from '../../db/stores/subscribers.js';
import type { ProfilePaperRow } from '../../db/profiles-repo.js';
import { MAX_TOPICS, timeZoneChoices } from '../../subscribers/preferences.js';

export interface PreferencesLinks {
  save: string;
  exportData: string;
  deleteData: string;
  resume: string;
  unsubscribe: string;
  addPapers: string;
  removePaper: string;
}

export interface PreferencesView {
  subscriber: Subscriber;
  topics: string[];
  /** The reader's profile: every paper they like or marked "less like this", newest first. */
  profile: ProfilePaperRow[];
  maxPapers: number;
  links: PreferencesLinks;
  defaults: { timezone: string; hour: number; weeklyDayName: string };
  notice?: { kind: 'ok' | 'error'; text: string } | undefined;
  /** What the visitor typed, shown again when it did not validate. */
  draft?: { topics: string; timezone: string; hour: number; frequency: 'daily' | 'weekly'; paused: boolean } | undefined;
}

const STATUS_TEXT: Record<Subscriber['status'], string> = {
  active: 'Subscribed',
  pending: 'Waiting for confirmation',
  unsubscribed: 'Unsubscribed',
  bounced: 'Paused: your mail server refused our emails',
};

let zoneOptionsCache: string[] | undefined;

const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;

export function preferencesPage(v: PreferencesView): string {
  const s = v.subscriber;
  const current = v.draft ?? {
    topics: v.topics.join(', '),
    timezone: s.timezone ?? v.defaults.timezone,
    hour: s.delivery_hour ?? v.defaults.hour,
    frequency: s.frequency,
    paused: s.paused,
  };
  const zones = (zoneOptionsCache ??= timeZoneChoices());
  const zoneList = zones.includes(current.timezone) ? zones : [current.timezone, ...zones];
  const hours = Array.from({ length: 24 }, (_, h) => h);
  const error = v.notice?.kind === 'error';
  return page(
    'Your preferences',
    html`<h1>Your preferences</h1>
<p>For <strong>${s.email}</strong> <span class="badge">${STATUS_TEXT[s.status]}</span></p>
${v.notice ? html`<p class="notice ${v.notice.kind}" role="${error ? 'alert' : 'status'}" id="notice">${v.notice.text}</p>` : ''}
${
  s.status === 'unsubscribed'
    ? html`<div class="card"><h2>You are unsubscribed</h2>${
        s.confirmed_at
          ? html`<form method="post" action="${v.links.resume}"><p>Start receiving the digest again, with the settings below.</p><button type="submit">Subscribe again</button></form>`
          : html`<p><a href="/">Subscribe again from the home page</a>.</p>`
      }</div>`
    : ''
}
<form method="post" action="${v.links.save}" class="card">
<h2>Your digest</h2>
<label for="topics">Topics you follow <span class="optional">(optional, up to ${MAX_TOPICS})</span></label>
<textarea id="topics" name="topics" rows="3" maxlength="1000" aria-describedby="topics-hint"${error ? html` aria-invalid="true"` : ''}>${current.topics}</textarea>
<p class="hint" id="topics-hint">Comma separated or one per line: phrases like “long context”, or arXiv categories like cs.CL. Each adds a “for you” section.</p>
<fieldset>
<legend>How often</legend>
<label class="choice"><input type="radio" name="frequency" value="daily"${current.frequency === 'daily' ? html` checked` : ''}> Every day</label>
<label class="choice"><input type="radio" name="frequency" value="weekly"${current.frequency === 'weekly' ? html` checked` : ''}> Once a week, on ${v.defaults.weeklyDayName}s</label>
</fieldset>
<div class="row">
<div><label for="hour">Delivery time</label>
<select id="hour" name="hour">${hours.map((h) => html`<option value="${h}"${h === current.hour ? html` selected` : ''}>${hh(h)}</option>`)}</select></div>
<div><label for="timezone">Time zone</label>
<select id="timezone" name="timezone">${zoneList.map((z) => html`<option${z === current.timezone ? html` selected` : ''}>${z}</option>`)}</select></div>
</div>
<fieldset>
<legend>Pause</legend>
<label class="choice"><input type="checkbox" name="paused" value="on"${current.paused ? html` checked` : ''}> Pause the digest (keep my settings, send nothing until I resume)</label>
</fieldset>
<button type="submit">Save preferences</button>
</form>
${profileSection(v)}
<section class="card" aria-labelledby="data-heading">
<h2 id="data-heading">Your data</h2>
<p>We keep your address, these settings, the papers in your profile and which digests we sent you.</p>
<p><a class="button secondary" href="${v.links.exportData}" download>Download my data (JSON)</a></p>
<form method="post" action="${v.links.deleteData}">
<label class="choice"><input type="checkbox" name="confirm" value="yes" required> I understand this deletes my address and everything about me, for good.</label>
<button type="submit" class="danger">Delete my data</button>
</form>
</section>
${s.status === 'active' || s.status === 'pending' ? html`<p>Want no more emails at all? <a href="${v.links.unsubscribe}">Unsubscribe</a>.</p>` : ''}`,
  );
}

function profileSection(v: PreferencesView) {
  const liked = v.profile.filter((p) => p.signal === 1).length;
  return html`<section class="card" aria-labelledby="profile-heading">
<h2 id="profile-heading">Papers you like</h2>
<p>Each digest picks the new papers that most resemble these for a “Picked for you” section, and moves down papers like those you marked “less like this”. Add papers with the “More like this” links of a digest, or here.</p>
${
  v.profile.length
    ? html`<p class="muted">${liked} liked, ${v.profile.length - liked} marked “less like this” (at most ${v.maxPapers} in all).</p>
<ul class="profile">${v.profile.map(
        (p) => html`<li><span>${p.title ?? p.paperId}${p.stored ? '' : html` <span class="muted">(${p.paperId}; used once a source brings it)</span>`}${
          p.signal === -1 ? html` <span class="badge">less like this</span>` : ''
        }</span><form method="post" action="${v.links.removePaper}"><input type="hidden" name="paper" value="${p.paperId}"><button type="submit" class="secondary" aria-label="Remove ${p.title ?? p.paperId}">Remove</button></form></li>`,
      )}</ul>`
    : html`<p class="muted">No papers yet.</p>`
}
<form method="post" action="${v.links.addPapers}" enctype="multipart/form-data">
<label for="paper-ids">arXiv ids or links <span class="optional">(one per line)</span></label>
<textarea id="paper-ids" name="ids" rows="3" aria-describedby="paper-ids-hint"></textarea>
<p class="hint" id="paper-ids-hint">Like 2401.12345 or https://arxiv.org/abs/2401.12345. A paper we do not hold yet is kept by its id and used as soon as a source brings it.</p>
<label for="library">Or a file from your reference manager <span class="optional">(BibTeX .bib, or a Zotero / CSL-JSON .json export; up to 2 MB)</span></label>
<input type="file" id="library" name="library" accept=".bib,.bibtex,.json,application/json,application/x-bibtex,text/x-bibtex">
<button type="submit">Add papers</button>
</form>
</section>`;
}

export function deletedPage(): string {
  return page(
    'Data deleted',
    html`<h1>Your data is deleted</h1><div class="card"><p class="notice ok" role="status">We removed your address and everything we held about you. You will not hear from us again.</p>
<p>If a digest was already on its way it may still arrive; its links no longer work.</p></div><p><a href="/">Back to the home page</a></p>`,
  );
}

export function noSubscriberPage(): string {
  return page(
    'Nothing here',
    html`<h1>We hold no data for this link</h1><div class="card"><p>The subscriber this link belonged to has been deleted. <a href="/">Subscribe again</a> if you like.</p></div>`,
  );
}
