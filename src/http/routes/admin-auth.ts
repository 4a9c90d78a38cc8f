// Admin authentication. API clients send `Authorization: Bearer ADMIN_TOKEN`. Browsers log in once through a
// form and get a session cookie (HttpOnly, SameSite=Strict, Path=/admin) holding an HMAC of the token and the
// login time, never the token itself: it expires, and changing ADMIN_TOKEN ends every session.
// Comparisons are constant-time. Invariant: with ADMIN_TOKEN unset, nothing here ever says yes.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export const ADMIN_COOKIE = 'papers_admin';
export const ADMIN_SESSION_MS = 12 * 60 * 60_000;

function sameSecret(a: string, b: string): boolean {
  // Hash first so the comparison takes the same time whatever the lengths.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Whether an Authorization header carries `Bearer <token>`. */
export function bearerMatches(header: string | undefined, token: string | undefined): boolean {
  if (!token || typeof header !== 'string') return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return !!m && sameSecret(m[1]!, token);
}

function sessionMac(secretKey: string, adminToken: string, issuedAt: number): string {
  return createHmac('sha256', secretKey).update(`admin-session:${issuedAt}:`).update(adminToken).digest('base64url');
}

export function issueAdminSession(secretKey: string, adminToken: string, now: Date): string {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return `${issuedAt}.${sessionMac(secretKey, adminToken, issuedAt)}`;
}

export function verifyAdminSession(value: string | undefined, secretKey: string, adminToken: string | undefined, now: Date): boolean {
  if (!adminToken || !value || value.length > 200) return false;
  const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!m) return false;
  const issuedAt = Number(m[1]);
  const age = now.getTime() - issuedAt * 1000;
  if (age < -60_000 || age > ADMIN_SESSION_MS) return false;
  return sameSecret(m[2]!, sessionMac(secretKey, adminToken, issuedAt));
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(value: string, secure: boolean, maxAgeSeconds = ADMIN_SESSION_MS / 1000): string {
  return `${ADMIN_COOKIE}=${value}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export function isAdminRequest(req: FastifyRequest, s: { adminToken: string | undefined; secretKey: string }, now: Date): boolean {
  if (!s.adminToken) return false;
  return bearerMatches(req.headers.authorization, s.adminToken) || verifyAdminSession(readCookie(req.headers.cookie, ADMIN_COOKIE), s.secretKey, s.adminToken, now);
}

/** Failed logins per client address in a sliding window: the token is long, but guessing should still be slow. */
export function createLoginThrottle(maxFailures = 10, windowMs = 15 * 60_000) {
  const failures = new Map<string, number[]>();
  const recent = (ip: string, now: number) => (failures.get(ip) ?? []).filter((t) => now - t < windowMs);
  return {
    blocked(ip: string, now: number): boolean {
      return recent(ip, now).length >= maxFailures;
    },
    fail(ip: string, now: number): void {
      if (failures.size > 10_000) failures.clear(); // bounded memory under a spray of addresses
      failures.set(ip, [...recent(ip, now), now]);
    },
    succeed(ip: string): void {
      failures.delete(ip);
    },
  };
}
