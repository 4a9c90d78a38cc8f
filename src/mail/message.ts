// Builds the outgoing message for a digest or a confirmation: the headers mailbox providers require, and the body
// pre-encoded. Invariant: List-Unsubscribe, List-Unsubscribe-Post and List-Id go out verbatim (nodemailer "prepared"
// values, so never RFC 2047-encoded), once each; From has a display name; Date comes from our clock; both parts are
// quoted-printable, byte-for-byte what nodemailer writes when told that encoding (tests/mail/fast-message.test.ts).
import type { SendMailOptions } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import MimeNode from 'nodemailer/lib/mime-node';
import addressparser from 'nodemailer/lib/addressparser';
import { AppError } from '../lib/errors.js';
import { joinPieces, type TextPiece } from '../lib/spliced-text.js';
import { encodeSplicedInto } from './qp-splice.js';

export interface OutgoingMessage {
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId?: string | undefined;
  /** Digest-only: one-click unsubscribe URL (RFC 8058) and optional mailto. */
  unsubscribeUrl?: string | undefined;
  unsubscribeMailto?: string | undefined;
  listId?: string | undefined;
  /** The Date header; the mailer fills in its clock's time when absent. */
  date?: Date | undefined;
  /**
   * `html` and `text` as fixed runs (shared by every message of an edition) and per-recipient values: the fixed runs'
   * quoted-printable is then computed once, not per message. Must join to `html` and `text`.
   */
  pieces?: { html: readonly TextPiece[]; text: readonly TextPiece[] } | undefined;
}

export interface Sender {
  name: string;
  address: string;
}

export const DEFAULT_SENDER_NAME = 'Trending Papers';

/** MAIL_FROM must name exactly one mailbox; a missing display name gets the product's name. */
export function parseSender(from: string): Sender {
  const list = addressparser(from, { flatten: true });
  const first = list[0];
  if (list.length !== 1 || !first?.address || !/^[^@\s]+@[^@\s]+$/.test(first.address))
    throw new AppError('MAIL_FROM_INVALID', 'MAIL_FROM must be exactly one address, such as "Trending Papers <digest@example.org>"');
  return { name: first.name.trim() || DEFAULT_SENDER_NAME, address: first.address };
}

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;
/** An optional phrase, then <label.domain>: printable, no spaces or angle brackets inside (config checks the same). */
const LIST_ID_SHAPE = /<[\x21-\x3b\x3d\x3f-\x7e]+\.[\x21-\x3b\x3d\x3f-\x7e]+>$/;

/** RFC 2919: `"Name" <list-label.domain>`, at most 255 octets, emitted as is. */
export function listIdHeader(listId: string): string {
  const v = listId.trim();
  if (v.length > 255 || !PRINTABLE_ASCII.test(v) || !LIST_ID_SHAPE.test(v))
    throw new AppError('LIST_ID_INVALID', 'LIST_ID must look like "Trending Papers" <daily.example.org> (ASCII, at most 255 octets)');
  return v;
}

/** RFC 2369 / RFC 8058 §3.1: one HTTPS URI first, an optional mailto after it, no spaces inside <>. */
export function listUnsubscribeHeader(url: string, mailto?: string): string {
  if (!/^https?:\/\/[\x21-\x7e]+$/.test(url) || /[<>,]/.test(url))
    throw new AppError('UNSUBSCRIBE_URL_INVALID', 'the unsubscribe URL must be an absolute http(s) URL without spaces, commas or angle brackets');
  if (mailto !== undefined && !/^[^@\s<>,?]+@[^@\s<>,?]+$/.test(mailto))
    throw new AppError('UNSUBSCRIBE_MAILTO_INVALID', 'UNSUBSCRIBE_MAILTO must be a plain address');
  return mailto ? `<${url}>, <mailto:${mailto}?subject=unsubscribe>` : `<${url}>`;
}

/** Headers, addresses and dates as nodemailer options; the body is added by the callers below. */
function headerOptions(m: OutgoingMessage, from: string | Sender, replyTo?: string, now?: Date): SendMailOptions {
  const headers: Record<string, { prepared: true; foldLines: true; value: string }> = {};
  const verbatim = (value: string) => ({ prepared: true as const, foldLines: true as const, value });
  if (m.unsubscribeUrl) {
    headers['List-Unsubscribe'] = verbatim(listUnsubscribeHeader(m.unsubscribeUrl, m.unsubscribeMailto));
    // Set through headers, not nodemailer's `list` option, which would turn it into a URL.
    headers['List-Unsubscribe-Post'] = verbatim('List-Unsubscribe=One-Click');
  }
  if (m.listId) headers['List-Id'] = verbatim(listIdHeader(m.listId));
  const date = m.date ?? now;
  return {
    from: typeof from === 'string' ? parseSender(from) : from,
    to: m.to,
    ...(replyTo ? { replyTo } : {}),
    subject: m.subject,
    ...(m.messageId ? { messageId: m.messageId } : {}),
    ...(date ? { date } : {}),
    headers,
  };
}

/**
 * Multipart boundaries start with "=_": in quoted-printable a "=" is always followed by two hex digits or a line
 * break, so no line of a part can ever match the boundary, whatever the papers say. The rest needs only to be
 * stable, so it comes from the Message-ID instead of fresh randomness per message.
 */
export const BOUNDARY_PREFIX = '=_tp';
export function baseBoundary(messageId: string): string {
  return messageId.replace(/@.*$/, '').replace(/[^A-Za-z0-9]/g, '').slice(-24) || 'digest';
}

const PART_HEADERS = {
  text: 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
  html: 'Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
} as const;

/** nodemailer options its type definitions leave out (mail-composer reads them from the message). */
type ComposerOptions = SendMailOptions & { baseBoundary?: string; boundaryPrefix?: string };

/**
 * What the mailers send: the headers above and both parts declared quoted-printable. Normally the whole message is
 * handed over ready-made (nodemailer's `raw`, with its envelope): the header block is nodemailer's own (a MimeNode
 * with the headers set in mail-composer's order), the parts are pre-encoded with each edition's fixed runs encoded
 * once, so nodemailer neither scans the text to choose an encoding nor encodes it, and the message reaches the SMTP
 * connection as one chunk. When the splicer declines a part (over 64 KiB, trailing blanks) nodemailer composes and
 * encodes the message itself, told quoted-printable, which is the same bytes (tests/mail/fast-message.test.ts).
 */
export function toNodemailer(m: OutgoingMessage, from: string | Sender, replyTo?: string, now?: Date): ComposerOptions {
  const o: ComposerOptions = { ...headerOptions(m, from, replyTo, now), boundaryPrefix: BOUNDARY_PREFIX, ...(m.messageId ? { baseBoundary: baseBoundary(m.messageId) } : {}) };
  const textPieces = m.pieces?.text ?? [m.text];
  const htmlPieces = m.pieces?.html ?? [m.html];
  const text: Buffer[] = [];
  const html: Buffer[] = [];
  if (encodeSplicedInto(textPieces, PART_HEADERS.text, text) === undefined || encodeSplicedInto(htmlPieces, PART_HEADERS.html, html) === undefined)
    return {
      ...o,
      text: { content: joinPieces(textPieces), contentTransferEncoding: 'quoted-printable' },
      html: { content: joinPieces(htmlPieces), contentTransferEncoding: 'quoted-printable' },
    };
  const root = new MimeNode('multipart/alternative', { baseBoundary: o.baseBoundary, boundaryPrefix: BOUNDARY_PREFIX });
  root.addHeader(o.headers as Record<string, string>);
  for (const [key, value] of [['from', o.from], ['to', o.to], ['reply-to', o.replyTo], ['subject', o.subject], ['message-id', o.messageId], ['date', o.date]] as const)
    if (value) root.setHeader(key, value as string);
  const head = root.buildHeaders(); // also sets root.boundary
  const b = root.boundary as string;
  const raw = Buffer.concat([Buffer.from(`${head}\r\n\r\n--${b}\r\n`), ...text, Buffer.from(`\r\n--${b}\r\n`), ...html, Buffer.from(`\r\n--${b}--\r\n`)]);
  // A message without a Message-ID got one from buildHeaders: nodemailer reports that one as sent.
  return { raw, envelope: root.getEnvelope() as Mail.Envelope, messageId: root.messageId() };
}

/**
 * The same message the plain nodemailer way: html and text as strings, nodemailer choosing each part's encoding and
 * a random boundary. The benchmark's baseline and the tests' reference.
 */
export function toPlainNodemailer(m: OutgoingMessage, from: string | Sender, replyTo?: string, now?: Date): SendMailOptions {
  return { ...headerOptions(m, from, replyTo, now), html: m.html, text: m.text };
}
