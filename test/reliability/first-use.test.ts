import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from '../harness.js';
import { expectLedgerConsistent } from '../payout-helpers.js';
import { scalar } from './support.js';

// The balance rows of a sandbox organization (and its 1,000,000.00 USD opening balance) are
// created by the first request that needs them. When that first use is a dozen concurrent batches,
// every one of them must see the opening balance: none may be refused for insufficient funds, and
// the opening balance must be posted exactly once.
describe('concurrent first batches of a new sandbox organization', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('all succeed against the opening balance, which is posted once', async () => {
    const failures: string[] = [];
    for (let round = 0; round < 20; round++) {
      const organizationId = await t.createOrganization(`First use ${round}`);
      const key = await t.createKey('sandbox', organizationId);
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          t.app.inject({
            method: 'POST',
            url: '/payments',
            headers: bearer(key),
            payload: { payouts: [{ payeeEmail: `first-${round}-${i}@example.com`, amount: 100 }] },
          }),
        ),
      );
      for (const answer of answers) if (answer.statusCode !== 201) failures.push(`round ${round}: ${answer.statusCode} ${answer.body.slice(0, 160)}`);
      expect(
        await scalar(t.db, `select count(distinct posting_id) as n from ledger_entries where organization_id = $1 and kind = 'sandbox_opening_balance'`, [
          organizationId,
        ]),
      ).toBe(1);
    }
    expect(failures).toEqual([]);
    await expectLedgerConsistent(t.db);
  });
});
