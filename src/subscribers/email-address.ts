// Email address validation and normalization: trimmed, domain lowercased (IDN → punycode), no CR/LF, RFC 5321 lengths.
import { domainToASCII } from 'node:url';
import { z } from 'zod';

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;

export function normalizeEmail(raw: string): string | null {
  const s = raw.trim();
  if (/[\r\n\0]/.test(s) || s.length > 254) return null;
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return null;
  const local = s.slice(0, at);
  const domain = domainToASCII(s.slice(at + 1).toLowerCase());
  if (!domain || local.length > 64 || !LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
  if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(domain)) return null;
  const out = `${local}@${domain}`;
  return out.length <= 254 ? out : null;
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
  });
