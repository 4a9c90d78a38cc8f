// Classifies a failed send by what it says about the recipient, the message and the server, from the
// nodemailer error's code, SMTP command, reply code and enhanced status code (RFC 3463).
// Invariant: only an address-level permanent rejection is a `recipient` failure (the only kind that bounces).
export type FailureKind =
  /** 5xx for this address (unknown user, bad domain, disabled mailbox): bounce the delivery and the subscriber. */
  | 'recipient'
  /** Permanent for this message but says nothing bad about the address (content, size, policy, blocklist): failed. */
  | 'message'
  /** The server refuses us, whoever the recipient (auth, sender refused, 5xx greeting, relay denied): pause now. */
  | 'server'
  /** The server could not be reached, would not start a session or went away (refused, DNS, 4xx greeting, 421, timeouts): not this delivery's fault. */
  | 'unavailable'
  /** Worth retrying (4xx reply, dropped connection, timeout, anything unknown): retry with backoff, counted as an attempt. */
  | 'temporary';

export interface SendFailure {
  kind: FailureKind;
  /** SMTP reply code when the server answered, e.g. 550. */
  code: number | null;
  /** Enhanced status code when the reply carried one, e.g. "5.1.1". */
  status: string | null;
  /** nodemailer's error code (EENVELOPE, ECONNECTION, ...) or the system one. */
  errorCode: string | null;
  message: string;
}

interface NodemailerError {
  code?: unknown;
  originalCode?: unknown;
  command?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
}

/** Network errors that mean "nobody answered", before any SMTP session existed. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'EADDRNOTAVAIL']);
/** Configuration problems on our side: every message would fail the same way. */
const SERVER_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ETLS', 'EREQUIRETLS', 'ECONFIG', 'EPROXY']);

export function classifySendError(err: unknown): SendFailure {
  const e = (err && typeof err === 'object' ? err : {}) as NodemailerError;
  const errorCode = typeof e.code === 'string' ? e.code : null;
  const originalCode = typeof e.originalCode === 'string' ? e.originalCode : null;
  const command = typeof e.command === 'string' ? e.command : '';
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const reply = typeof e.response === 'string' ? e.response : '';
  const message = (reply || (typeof e.message === 'string' ? e.message : String(err))).slice(0, 500);
  const status = enhancedStatus(reply, code);
  const out = (kind: FailureKind): SendFailure => ({ kind, code, status, errorCode: errorCode ?? originalCode, message });

  if (errorCode && SERVER_CODES.has(errorCode)) return out('server');
  if (originalCode && UNREACHABLE.has(originalCode)) return out('unavailable');
  if (errorCode === 'EDNS') return out('unavailable');
  // A server that does not answer in time (connect, greeting or mid-session) is slow or gone, whoever the recipient.
  if (errorCode === 'ETIMEDOUT' || originalCode === 'ETIMEDOUT') return out('unavailable');
  // 421 is the server closing the channel (RFC 5321 §3.8: shutting down, overloaded), at whatever command.
  if (code === 421) return out('unavailable');

  if (code === null) {
    // No reply to judge. nodemailer refuses an address it cannot parse before talking to the server: it will
    // never be deliverable. A message too large for the server's advertised SIZE is the message's problem.
    if (errorCode === 'EENVELOPE' && command === 'API' && /recipient/i.test(message)) return out('recipient');
    if (errorCode === 'EMESSAGE' && command === 'MAIL FROM') return out('message');
    return out('temporary');
  }

  // 503 "bad sequence of commands" is a session-state problem, not a verdict on the message (nodemailer agrees).
  if (code < 500 || code === 503) {
    // A 4xx to the greeting or to MAIL FROM is the server turning everyone away for now, not this delivery.
    const beforeTransaction = (command === 'CONN' && errorCode === 'EPROTOCOL') || command === 'MAIL FROM';
    return out(beforeTransaction ? 'unavailable' : 'temporary');
  }

  // Permanent (5xx) from here on.
  if (command === 'CONN' || command === 'EHLO' || command === 'HELO' || command === 'MAIL FROM' || command.startsWith('AUTH')) return out('server');
  if (isServerPolicy(code, status, reply)) return out('server');
  if (command === 'RCPT TO' || command === 'DATA') return isAddressProblem(status, command) ? out('recipient') : out('message');
  return out('message');
}

/** "550 5.1.1 No such user" → "5.1.1"; the class digit must agree with the reply code. */
function enhancedStatus(reply: string, code: number | null): string | null {
  const m = /^\d{3}[ -]([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(reply);
  if (!m) return null;
  if (code !== null && String(code)[0] !== m[1]) return null;
  return `${m[1]}.${m[2]}.${m[3]}`;
}

/**
 * Rejections that say our server setup is wrong, whatever the address: authentication required (530, 5.7.0),
 * relaying denied (a misconfigured smarthost answers 550/554 to every RCPT). Bouncing on these would mark the
 * whole list bounced.
 */
function isServerPolicy(code: number, status: string | null, reply: string): boolean {
  if (code === 530 || code === 535 || code === 538) return true;
  if (status === '5.7.0' || status === '5.7.8' || status === '5.7.9') return true;
  return /\brelay(ing)?\b.*\b(denied|not permitted|not allowed|prohibited)|\bauthenticat(e|ion) required\b|\bsender address rejected\b/i.test(reply);
}

/**
 * Whether a 5xx for RCPT TO (or DATA, with one recipient per message) is about the address itself.
 * With an enhanced code: 5.1.x (bad mailbox or domain), 5.2.1 (mailbox disabled), 5.4.x (no route to the
 * domain) are; 5.2.2 (mailbox full) is treated as soft by every provider; 5.7.x (policy, blocklists, DMARC)
 * and the rest concern the message or our reputation, not the address. Without one, a 5xx on RCPT is the
 * server's word that this recipient is refused; a 5xx after DATA without one most likely concerns content.
 */
function isAddressProblem(status: string | null, command: string): boolean {
  if (!status) return command === 'RCPT TO';
  const [, subject, detail] = status.split('.');
  if (subject === '1' || subject === '4') return true;
  if (subject === '2') return detail === '1';
  if (subject === '0') return command === 'RCPT TO';
  return false;
}
