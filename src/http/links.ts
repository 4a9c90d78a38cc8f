// Every link to us that belongs to one subscriber (unsubscribe, preferences, "More/Less like this"): one module owns
// their paths and tokens, for the sender, the pages and the CLI alike. Invariant: each carries an HMAC token
// (lib/tokens.ts) and nothing else that identifies the reader; `baseUrl` has no trailing slash ('' for a relative link).
import { signFeedbackToken, signSubscriberToken } from '../lib/tokens.js';

export type FeedbackChoice = 'more' | 'less';

export interface SubscriberUrls {
  unsubscribeUrl: string;
  preferencesUrl: string;
  /** The token of this reader's "More/Less like this" links for one paper (the query value of feedbackUrl). */
  feedbackToken(paperId: string): string;
}

export function subscriberUrls(baseUrl: string, secret: string, subscriberId: number): SubscriberUrls {
  return {
    unsubscribeUrl: `${baseUrl}/unsubscribe?token=${signSubscriberToken(secret, 'unsubscribe', subscriberId)}`,
    preferencesUrl: `${baseUrl}/preferences?token=${signSubscriberToken(secret, 'preferences', subscriberId)}`,
    feedbackToken: (paperId) => signFeedbackToken(secret, subscriberId, paperId),
  };
}

/**
 * A "More/Less like this" link without its token: `${base}/feedback/<paper>/<choice>?token=`. The paper is in the
 * path, so a digest's cards share everything but the token, which is all a recipient's copy adds.
 */
export function feedbackUrlPrefix(baseUrl: string, paperId: string, choice: FeedbackChoice): string {
  return `${baseUrl}/feedback/${encodeURIComponent(paperId)}/${choice}?token=`;
}

export function feedbackUrl(baseUrl: string, secret: string, subscriberId: number, paperId: string, choice: FeedbackChoice): string {
  return feedbackUrlPrefix(baseUrl, paperId, choice) + signFeedbackToken(secret, subscriberId, paperId);
}
