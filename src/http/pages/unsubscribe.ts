// Unsubscribe pages: the button page a link opens (a GET never unsubscribes) and the result.
import { html } from './html.js';
import { page } from './layout.js';

export function unsubscribePage(o: { actionUrl: string; preferencesUrl: string; alreadyOut: boolean }): string {
  if (o.alreadyOut)
    return page(
      'Unsubscribed',
      html`<h1>You are not subscribed</h1><div class="card"><p>This address receives no digest. Changed your mind? Your <a href="${o.preferencesUrl}">preferences page</a> lets you subscribe again.</p></div>`,
    );
  return page(
    'Unsubscribe',
    html`<h1>Unsubscribe</h1>
<form method="post" action="${o.actionUrl}" class="card">
<p>Stop receiving the trending papers digest at this address?</p>
<button type="submit">Unsubscribe</button>
</form>
<div class="card"><h2>Too many emails?</h2><p>You can <a href="${o.preferencesUrl}">switch to a weekly digest or pause</a> instead.</p></div>`,
  );
}

export function unsubscribedPage(preferencesUrl: string): string {
  return page(
    'Unsubscribed',
    html`<h1>You are unsubscribed</h1>
<div class="card"><p class="notice ok" role="status">You will not receive the digest any more.</p>
<p>Unsubscribed by mistake? <a href="${preferencesUrl}">Subscribe again from your preferences page</a>, where you can also download or delete your data.</p></div>`,
  );
}

export function badLinkPage(): string {
  return page(
    'Link not valid',
    html`<h1>This link is not valid</h1><div class="card"><p>It may be incomplete. Use the link from the most recent digest; every digest has an unsubscribe and a preferences link at the bottom.</p></div>`,
  );
}
