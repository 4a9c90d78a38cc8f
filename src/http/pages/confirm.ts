// Confirmation pages: the button page a link opens (a GET never confirms), the result, and the friendly
// page for a used, expired or unknown link, which offers to send a fresh one.
import { html } from './html.js';
import { page } from './layout.js';
import { subscribeForm } from './home.js';

export function confirmPage(token: string): string {
  return page(
    'Confirm your subscription',
    html`<h1>Confirm your subscription</h1>
<form method="post" action="/confirm" class="card">
<input type="hidden" name="token" value="${token}">
<p>One more click and the daily digest of trending papers is on its way.</p>
<button type="submit">Confirm subscription</button>
</form>`,
  );
}

export function confirmedPage(preferencesUrl: string): string {
  return page(
    'Subscribed',
    html`<h1>You are subscribed</h1>
<div class="card"><p class="notice ok" role="status">Your address is confirmed. The next digest reaches you at your delivery time.</p>
<p>Choose topics, delivery time and frequency on your <a href="${preferencesUrl}">preferences page</a>. Every digest links to it too.</p></div>
<p><a href="/archive">Read past digests meanwhile</a></p>`,
  );
}

export type ConfirmProblem = 'invalid' | 'expired' | 'used' | 'already_active';

const PROBLEMS: Record<ConfirmProblem, { title: string; text: string }> = {
  invalid: { title: 'This confirmation link is not valid', text: 'It may be incomplete, or a newer link replaced it.' },
  expired: { title: 'This confirmation link has expired', text: 'Confirmation links work for a limited time.' },
  used: { title: 'This confirmation link was already used', text: 'Each link works once.' },
  already_active: { title: 'You are already subscribed', text: 'This link was used before and your subscription is active: nothing more to do.' },
};

export function confirmProblemPage(problem: ConfirmProblem): string {
  const p = PROBLEMS[problem];
  return page(
    p.title,
    html`<h1>${p.title}</h1>
<p>${p.text}${problem === 'already_active' ? '' : ' Enter your address and we will send a fresh link.'}</p>
${problem === 'already_active' ? html`<p><a href="/archive">Read past digests</a></p>` : subscribeForm({}, 'Send a new link')}`,
  );
}
