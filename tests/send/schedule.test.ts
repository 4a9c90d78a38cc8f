// Delivery time: a subscriber's local hour in an IANA zone, never before the edition's publication; the
// sender sends only what is due. Default: everyone at the configured hour in the configured zone.
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryDueAt } from '../../src/digest/schedule.js';
import { sendFixture, ledger, type SendFixture } from './setup.js';
import { sendDue } from '../../src/mail/send-edition.js';

const UTC7 = { hour: 7, timezone: 'UTC' };

describe('deliveryDueAt', () => {
  it('defaults to the publication time', () => {
    expect(deliveryDueAt('2026-08-21', { hour: null, timezone: null }, UTC7)).toBe('2026-08-21T07:00:00.000Z');
    expect(deliveryDueAt('2026-08-21', { hour: null, timezone: null }, { hour: 6, timezone: 'Europe/Berlin' })).toBe('2026-08-21T04:00:00.000Z');
  });

  it('is the first time the local clock shows the chosen hour at or after publication', () => {
    expect(deliveryDueAt('2026-08-21', { hour: 7, timezone: 'America/New_York' }, UTC7)).toBe('2026-08-21T11:00:00.000Z');
    // Tokyo's 07:00 on the 21st is before publication (16:00 there): the next Tokyo morning.
    expect(deliveryDueAt('2026-08-21', { hour: 7, timezone: 'Asia/Tokyo' }, UTC7)).toBe('2026-08-21T22:00:00.000Z');
    // An hour earlier than publication in the service zone: the next day at that hour.
    expect(deliveryDueAt('2026-08-21', { hour: 6, timezone: null }, UTC7)).toBe('2026-08-22T06:00:00.000Z');
    expect(deliveryDueAt('2026-08-21', { hour: 7, timezone: 'Asia/Kolkata' }, UTC7)).toBe('2026-08-22T01:30:00.000Z');
  });

  it('handles daylight-saving days in the subscriber zone', () => {
    // 2026-03-08: New York skips 02:00–03:00. Hour 2 does not exist: delivered at the first valid time after it.
    expect(deliveryDueAt('2026-03-08', { hour: 2, timezone: 'America/New_York' }, { hour: 0, timezone: 'America/New_York' })).toBe('2026-03-08T07:00:00.000Z');
    // 2026-11-01: 01:00 happens twice; the first (EDT, UTC-4) is used.
    expect(deliveryDueAt('2026-11-01', { hour: 1, timezone: 'America/New_York' }, { hour: 0, timezone: 'America/New_York' })).toBe('2026-11-01T05:00:00.000Z');
    // The service zone's own DST: publication at 07:00 Berlin is 05:00Z in summer, 06:00Z in winter.
    expect(deliveryDueAt('2026-07-01', { hour: null, timezone: null }, { hour: 7, timezone: 'Europe/Berlin' })).toBe('2026-07-01T05:00:00.000Z');
    expect(deliveryDueAt('2026-12-01', { hour: null, timezone: null }, { hour: 7, timezone: 'Europe/Berlin' })).toBe('2026-12-01T06:00:00.000Z');
  });
});

describe('the sender sends only what is due', () => {
  let f: SendFixture | undefined;
  afterEach(async () => {
    await f?.close();
  });

  it('each subscriber gets the edition at their own local hour', async () => {
    const zones = [
      { email: 'ny@example.org', timezone: 'America/New_York', hour: 7 }, // 11:00Z
      { email: 'tokyo@example.org', timezone: 'Asia/Tokyo', hour: 7 }, // 22:00Z
      { email: 'berlin@example.org', timezone: 'Europe/Berlin', hour: 9 }, // 07:00Z: due at publication
    ];
    f = await sendFixture({
      subscribers: 2,
      beforePrepare: (app) => {
        for (const z of zones) app.subscriptions.repo.create({ ...z, status: 'active', now: '2026-08-21T06:00:00.000Z' });
      },
    });
    const fx = f;
    const sendAt = async (iso: string) => {
      fx.clock.set(iso);
      const before = fx.smtp.messages.length;
      await sendDue(fx.app, fx.app.sendSettings, {});
      return fx.smtp.messages.slice(before).map((m) => m.to[0]).sort();
    };
    expect(await sendAt('2026-08-21T07:00:00.000Z')).toEqual(['berlin@example.org', 'reader0001@example.org', 'reader0002@example.org']);
    expect(await sendAt('2026-08-21T10:59:59.000Z')).toEqual([]);
    expect(await sendAt('2026-08-21T11:00:00.000Z')).toEqual(['ny@example.org']);
    expect(await sendAt('2026-08-21T21:00:00.000Z')).toEqual([]);
    expect(await sendAt('2026-08-21T22:00:05.000Z')).toEqual(['tokyo@example.org']);
    expect(ledger(f.app, f.edition.id).every((d) => d.status === 'sent')).toBe(true);
  });
});
