// Email normalization: trimmed, domain lowercased and punycoded, control characters and over-long parts refused.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { domainToASCII } from 'node:url';
import { emailSchema, normalizeEmail } from '../../src/subscribers/email-address.js';

describe('normalizeEmail', () => {
  it.each([
    ['  Ada@Example.ORG ', 'Ada@example.org'],
    ['first.last+tag@sub.example.co.uk', 'first.last+tag@sub.example.co.uk'],
    ['user@BÜCHER.de', 'user@xn--bcher-kva.de'],
    ['user@ＥＸＡＭＰＬＥ.com', 'user@example.com'], // full-width letters map to ASCII (UTS #46)
    ['user@例え.テスト', 'user@xn--r8jz45g.xn--zckzah'],
    ["o'brien@example.ie", "o'brien@example.ie"],
  ])('%s → %s', (raw, normalized) => {
    expect(normalizeEmail(raw)).toBe(normalized);
  });

  it.each([
    ['a@example.org\r\nBcc: b@example.org'],
    ['a@example.org\n'],
    ['\ta@exa\u0000mple.org'],
    ['a\u2028@example.org'],
    ['no-at-sign.example.org'],
    ['@example.org'],
    ['a@'],
    ['a@localhost'],
    ['a@-bad-.example'],
    ['a..b@example.org'],
    ['.a@example.org'],
    ['jürgen@example.org'],
    ['"quoted"@example.org'],
    [`${'a'.repeat(65)}@example.org`],
    [`a@${'b'.repeat(64)}.org`],
    [`${'a'.repeat(60)}@${Array.from({ length: 4 }, () => 'c'.repeat(60)).join('.')}.org`],
    ['a@example.org.'],
    ['a@[127.0.0.1]'],
  ])('refuses %j', (raw) => {
    expect(normalizeEmail(raw)).toBeNull();
    expect(emailSchema.safeParse(raw).success).toBe(false);
  });

  it('keeps the domain domainToASCII gives, also for plain ASCII domains (which skip it)', () => {
    const label = fc.stringMatching(/^[a-zA-Z0-9-]{1,12}$/);
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), fc.constantFrom('', 'xn--', 'XN--'), (labels, prefix) => {
        const domain = `${prefix}${labels.join('.')}.org`;
        const n = normalizeEmail(`a@${domain}`);
        if (n !== null) expect(n).toBe(`a@${domainToASCII(domain.toLowerCase())}`);
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent and its output is always ASCII, short and free of control characters', () => {
    fc.assert(
      fc.property(fc.oneof(fc.emailAddress(), fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 })), (raw) => {
        const n = normalizeEmail(raw);
        if (n === null) return;
        expect(normalizeEmail(n)).toBe(n);
        expect(n).toMatch(/^[\x21-\x7e]+$/);
        expect(n.length).toBeLessThanOrEqual(254);
        expect(n.split('@').pop()).toBe(n.split('@').pop()!.toLowerCase());
      }),
      { numRuns: 500 },
    );
  });
});
