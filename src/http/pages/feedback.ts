// "More like this" / "Less like this" pages: what a digest's link opens (the paper and both choices as buttons; a
// GET never records, since mail scanners open every link), and what a choice answers (saved, with an undo).
import { html, raw } from './html.js';
import { page } from './layout.js';
import type { FeedbackState } from '../../profile/service.js';

export interface FeedbackPaperView {
  id: string;
  /** Escaped HTML (TeX made readable). */
  titleHtml: string;
  url: string;
  authorsLine: string;
  summaryHtml: string | null;
}

const STATE_TEXT: Record<FeedbackState, string> = {
  more: 'You marked this paper “more like this”: it is in your profile.',
  less: 'You marked this paper “less like this”.',
  none: 'This paper is not in your profile yet.',
};

function paperCard(p: FeedbackPaperView) {
  return html`<div class="card"><h2 class="paper"><a href="${p.url}">${raw(p.titleHtml)}</a></h2>
<p class="muted">${p.authorsLine} · arXiv ${p.id}</p>
${p.summaryHtml ? html`<p>${raw(p.summaryHtml)}</p>` : ''}</div>`;
}

function choiceForm(actionUrl: string, choice: 'more' | 'less', primary: boolean) {
  const label = choice === 'more' ? 'More like this' : 'Less like this';
  return html`<form method="post" action="${actionUrl}" class="inline"><input type="hidden" name="choice" value="${choice}"><button type="submit"${primary ? '' : raw(' class="secondary"')}>${label}</button></form>`;
}

/** The page a feedback link opens: the paper, where the reader stands, both choices and what each changes. */
export function feedbackPage(o: { paper: FeedbackPaperView; asked: 'more' | 'less'; state: FeedbackState; actionUrl: string; preferencesUrl: string }): string {
  return page(
    o.asked === 'more' ? 'More like this' : 'Less like this',
    html`<h1>${o.asked === 'more' ? 'More papers like this one?' : 'Fewer papers like this one?'}</h1>
${paperCard(o.paper)}
<div class="card">
<p>${STATE_TEXT[o.state]}</p>
<div class="choices">${choiceForm(o.actionUrl, o.asked, true)} ${choiceForm(o.actionUrl, o.asked === 'more' ? 'less' : 'more', false)}</div>
<ul class="hint">
<li><strong>More like this</strong>: the paper joins your profile, and the papers of each new digest that resemble what you like come first in a “Picked for you” section.</li>
<li><strong>Less like this</strong>: papers that resemble it move down in your digests and are not picked for you.</li>
</ul>
</div>
<p>Your <a href="${o.preferencesUrl}">preferences page</a> lists every paper in your profile; you can remove any of them there, or add papers you already like.</p>`,
  );
}

/** The answer to a choice: what was saved, and a button that puts back what was there before. */
export function feedbackSavedPage(o: { paper: FeedbackPaperView; state: FeedbackState; previous: FeedbackState; actionUrl: string; preferencesUrl: string }): string {
  const saved =
    o.state === 'more'
      ? 'Saved: more papers like this one. Your next digests pick papers that resemble it.'
      : o.state === 'less'
        ? 'Saved: fewer papers like this one. Papers that resemble it move down in your next digests.'
        : 'Done: this paper is no longer in your profile.';
  return page(
    'Saved',
    html`<h1>${o.state === 'none' ? 'Removed from your profile' : 'Thank you'}</h1>
<div class="card"><p class="notice ok" role="status">${saved}</p>
${
  o.previous !== o.state
    ? html`<form method="post" action="${o.actionUrl}"><input type="hidden" name="choice" value="${o.previous}"><button type="submit" class="secondary">Undo</button></form>`
    : ''
}</div>
${paperCard(o.paper)}
<p>Your <a href="${o.preferencesUrl}">preferences page</a> lists every paper in your profile.</p>`,
  );
}

export function unknownPaperPage(): string {
  return page(
    'Paper not found',
    html`<h1>We do not know this paper</h1><div class="card"><p>The link names a paper we do not hold. Use the links of your most recent digest.</p></div>`,
  );
}
