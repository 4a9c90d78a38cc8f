// Email address validation and normalization. Invariant: a normalized address is ASCII, has no control
// characters, a trimmed local part (case kept), a lowercased domain (IDN → punycode) and RFC 5321 lengths.
import { domainToASCII } from 'node:url';
import { z } from 'zod';

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
// Any control character, including CR/LF anywhere (a header-injection attempt is never "trimmed away").
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export const MAX_EMAIL_LENGTH = 254;

const PLAIN_DOMAIN = /^[a-z0-9.-]+$/;

export function normalizeEmail(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length > 320 || CONTROL.test(raw)) return null;
  const s = raw.trim();
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return null;
  const local = s.slice(0, at);
  if (local.length > 64 || !LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
  // domainToASCII applies UTS #46 mapping (case folding, full-width forms) and punycode; '' when invalid. A domain
  // that is already lowercase ASCII letters, digits, hyphens and dots, with no punycode label, maps to itself, so
  // the common case skips it (it was a tenth of the subscribe body's validation under load).
  const lower = s.slice(at + 1).toLowerCase();
  const domain = PLAIN_DOMAIN.test(lower) && !lower.includes('xn--') ? lower : domainToASCII(lower);
  if (!domain || !DOMAIN.test(domain)) return null;
  const out = `${local}@${domain}`;
  return out.length <= MAX_EMAIL_LENGTH ? out : null;
}

export const emailSchema = z
  .string()
  .max(320)
  .transform((v, ctx) => {
    const n = normalizeEmail(v);
    if (!n) {
      ctx.addIssue({ code: 'custom', message: 'must be a valid email address' });
      return z.NEVER;
    }
    return n;
  })
  .meta({ format: 'email', description: 'Trimmed; the domain is lowercased and internationalized domains are converted to punycode.' });
