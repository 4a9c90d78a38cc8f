// Builds the outgoing message for a digest or a confirmation: the headers mailbox providers require.
import type { SendMailOptions } from 'nodemailer';

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
  date?: Date | undefined;
}

export function toNodemailer(m: OutgoingMessage, from: string, replyTo?: string): SendMailOptions {
  const headers: Record<string, string> = {};
  if (m.unsubscribeUrl) {
    // Exactly one header, HTTPS URL first, no spaces inside the angle brackets (RFC 2369, RFC 8058 §3.1).
    headers['List-Unsubscribe'] = m.unsubscribeMailto ? `<${m.unsubscribeUrl}>, <mailto:${m.unsubscribeMailto}?subject=unsubscribe>` : `<${m.unsubscribeUrl}>`;
    // Set through headers, not nodemailer's `list` option, which would turn it into a URL.
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  if (m.listId) headers['List-Id'] = m.listId;
  return {
    from,
    to: m.to,
    replyTo,
    subject: m.subject,
    html: m.html,
    text: m.text,
    messageId: m.messageId,
    date: m.date,
    headers,
  };
}
