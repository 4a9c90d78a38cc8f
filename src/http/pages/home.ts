// The home page (subscribe form, works without JavaScript) and the "check your inbox" answer to it.
import { html } from './html.js';
import { page } from './layout.js';

export interface SubscribeFormState {
  email?: string;
  topics?: string;
  error?: string;
}

export function subscribeForm(state: SubscribeFormState = {}, submitLabel = 'Subscribe') {
  const invalid = Boolean(state.error);
  return html`<form class="card" method="post" action="/subscribe" novalidate>
${state.error ? html`<p class="notice error" role="alert" id="form-error">${state.error}</p>` : ''}
<label for="email">Email address</label>
<input id="email" name="email" type="email" inputmode="email" autocomplete="email" required maxlength="254" value="${state.email ?? ''}"${
    invalid ? html` aria-invalid="true" aria-describedby="form-error" autofocus` : ''
  }>
<label for="topics">Topics you follow <span class="optional">(optional)</span></label>
<input id="topics" name="topics" type="text" maxlength="600" autocomplete="off" aria-describedby="topics-hint" value="${state.topics ?? ''}">
<p class="hint" id="topics-hint">Comma separated: phrases like “long context” or “diffusion”, or arXiv categories like cs.CL.</p>
<div class="hp" aria-hidden="true"><label for="website">Leave this field empty</label><input id="website" name="website" type="text" tabindex="-1" autocomplete="off"></div>
<button type="submit">${submitLabel}</button>
<p class="hint">We send one confirmation email. Nothing else arrives until you confirm.</p>
</form>`;
}

export function homePage(state: SubscribeFormState = {}): string {
  return page(
    'Daily trending papers in your inbox',
    html`<h1>Trending research papers, once a day</h1>
<p class="lede">Every morning, the papers the research community is picking up fastest, from Hugging Face Daily Papers and arXiv.</p>
${subscribeForm(state)}
<ul class="points">
<li>Ranked by how quickly papers gain attention, not by raw totals.</li>
<li>Follow topics to get a “for you” section; choose daily or weekly, and your delivery time.</li>
<li>Unsubscribe in one click. Download or delete your data whenever you like.</li>
</ul>
<p><a href="/archive">Read past digests</a></p>`,
    { description: 'A daily email of the research papers the community is picking up fastest.' },
  );
}

export function checkInboxPage(ttlHours: number): string {
  return page(
    'Check your inbox',
    html`<h1>Check your inbox</h1>
<div class="card"><p>If the address can receive the digest, a confirmation email is on its way. Open the link in it to start receiving the digest.</p>
<p class="hint">The link works for ${ttlHours} hours. Nothing arrived after a few minutes? Look in your spam folder, or ask again in ten minutes.</p></div>
<p><a href="/">Back to the home page</a></p>`,
  );
}
