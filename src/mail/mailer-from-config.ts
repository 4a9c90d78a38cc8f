// The mailer the configuration asks for: a pooled SMTP connection when SMTP_URL is set, else the outbox folder.
// One place, so the app and the subscribe intake thread build the same kind of mailer from the same settings.
import type { Config } from '../config.js';
import type { Clock } from '../lib/clock.js';
import { createOutboxMailer, createSmtpMailer, type Mailer } from './mailer.js';

export function createMailerFromConfig(config: Pick<Config, 'mail'>, o: { clock?: Clock | undefined; maxConnections?: number | undefined } = {}): Mailer {
  const m = config.mail;
  const settings = { from: m.from, replyTo: m.replyTo, dkim: m.dkim, clock: o.clock };
  return m.smtpUrl
    ? createSmtpMailer(m.smtpUrl, { ...settings, maxConnections: o.maxConnections ?? m.maxConnections, ratePerSecond: m.ratePerSecond })
    : createOutboxMailer(m.outboxDir, settings);
}
