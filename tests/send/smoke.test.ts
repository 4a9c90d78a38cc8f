import { describe, expect, it } from 'vitest';
import { sendFixture, ledger, receivedBy } from './setup.js';
import { sendDue } from '../../src/mail/send-edition.js';

describe('smoke', () => {
  it('sends', async () => {
    const f = await sendFixture({ subscribers: 20 });
    const t0 = Date.now();
    const r = await sendDue(f.app, f.app.sendSettings, {});
    console.log(r, Date.now() - t0);
    expect(r.sent).toBe(20);
    expect(receivedBy(f.smtp.messages).size).toBe(20);
    expect(ledger(f.app, f.edition.id).every((d) => d.status === 'sent')).toBe(true);
    await f.close();
  });
});
