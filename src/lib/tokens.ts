// Tokens in links. Unsubscribe/preferences: HMAC of the subscriber id (no storage, unforgeable, checked in
// constant time). Feedback ("More/Less like this"): HMAC of the subscriber id and the paper id. Confirmation:
// random, single-use, stored only as its SHA-256.
import { createHash, createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';

type Purpose = 'unsubscribe' | 'preferences';

function mac(secret: string, purpose: Purpose, id: number): string {
  return createHmac('sha256', secret).update(`${purpose}:${id}`).digest('base64url').slice(0, 32);
}

export function signSubscriberToken(secret: string, purpose: Purpose, subscriberId: number): string {
  return `${subscriberId}.${mac(secret, purpose, subscriberId)}`;
}

/** Returns the subscriber id when the token is genuine, otherwise null. */
export function verifySubscriberToken(secret: string, purpose: Purpose, token: unknown): number | null {
  if (typeof token !== 'string' || token.length > 100) return null;
  const m = /^([1-9]\d{0,15})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m) return null;
  const id = Number(m[1]);
  if (!Number.isSafeInteger(id)) return null;
  const expected = Buffer.from(mac(secret, purpose, id));
  const given = Buffer.from(m[2]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? id : null;
}

// A digest carries one feedback token per card (two links each): 22 characters (132 bits) keep 40 links short
// while staying far beyond guessing.
const FEEDBACK_MAC_LENGTH = 22;

function feedbackMac(secret: string, subscriberId: number, paperId: string): string {
  return createHmac('sha256', secret).update(`feedback:${subscriberId}:${paperId}`).digest('base64url').slice(0, FEEDBACK_MAC_LENGTH);
}

/** The token of a "More/Less like this" link: `<subscriber id>.<HMAC of subscriber and paper>`; the paper id is in the path. */
export function signFeedbackToken(secret: string, subscriberId: number, paperId: string): string {
  return `${subscriberId}.${feedbackMac(secret, subscriberId, paperId)}`;
}

/** The subscriber id when the token is genuine for this paper, otherwise null (constant-time comparison). */
export function verifyFeedbackToken(secret: string, paperId: string, token: unknown): number | null {
  if (typeof token !== 'string' || token.length > 60 || paperId.length > 100) return null;
  const m = /^([1-9]\d{0,15})\.([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m) return null;
  const id = Number(m[1]);
  if (!Number.isSafeInteger(id)) return null;
  const expected = Buffer.from(feedbackMac(secret, id, paperId));
  const given = Buffer.from(m[2]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? id : null;
}

/** A single-use confirmation token (sent in the email) and its hash (the only form stored). */
export function newConfirmToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Deterministic Message-ID per (edition, subscriber): a resend after a crash is recognisably the same message. */
/** digestMessageId for one edition, with the HMAC key prepared once (an edition computes a million of them). */
export function digestMessageIds(secret: string, date: string, domain: string): (subscriberId: number) => string {
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return (subscriberId) => {
    const tag = createHmac('sha256', key).update(`msgid:${date}:${subscriberId}`).digest('hex').slice(0, 16);
    return `<digest-${date}-${subscriberId}-${tag}@${domain}>`;
  };
}

export function digestMessageId(secret: string, date: string, subscriberId: number, domain: string): string {
  const tag = createHmac('sha256', secret).update(`msgid:${date}:${subscriberId}`).digest('hex').slice(0, 16);
  return `<digest-${date}-${subscriberId}-${tag}@${domain}>`;
}
