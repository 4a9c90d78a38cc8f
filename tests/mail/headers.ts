// Reading raw header lines of a received message (mailparser keeps them as sent, folded).
import type { ParsedMail } from 'mailparser';

/** Each header line with that name, unfolded (RFC 5322 §2.2.3), exactly as it went out. */
export function headerLines(mail: ParsedMail, name: string): string[] {
  return mail.headerLines.filter((h) => h.key === name.toLowerCase()).map((h) => h.line.replace(/\r?\n(?=[ \t])/g, ''));
}

/** The single line of a header that must appear exactly once; fails loudly otherwise. */
export function onlyLine(mail: ParsedMail, name: string): string {
  const lines = headerLines(mail, name);
  if (lines.length !== 1) throw new Error(`expected exactly one ${name} header, found ${lines.length}: ${JSON.stringify(lines)}`);
  return lines[0]!;
}
