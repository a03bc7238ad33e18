import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertRecipients } from '../src/modules/recipients/index.js';
import type { Executor } from '../src/platform/db/database.js';
import type { Tenant } from '../src/platform/tenant.js';
import { createTestApp, type TestApp } from './harness.js';

// Adding recipients by email (what a batch does for its payees): new ones come back from their
// insert, existing ones from the look-up, and one another transaction added in between from a
// second look-up, so every email answers exactly one recipient.
describe('upsertRecipients', () => {
  let t: TestApp;
  let tenant: Tenant;
  beforeAll(async () => {
    t = await createTestApp();
    tenant = { organizationId: await t.createOrganization(), environment: 'sandbox' };
  });
  afterAll(() => t.close());

  it('answers new and existing recipients in input order, one per email', async () => {
    const [first] = await t.db.transaction((tx) => upsertRecipients(tx, tenant, [{ email: 'old@x.com', firstName: 'Old' }]));
    const answered = await t.db.transaction((tx) =>
      upsertRecipients(tx, tenant, [{ email: 'New@X.com', firstName: 'New' }, { email: 'old@x.com', firstName: 'Ignored' }, { email: 'new@x.com' }]),
    );
    expect(answered.map((r) => r.email)).toEqual(['new@x.com', 'old@x.com', 'new@x.com']);
    expect(answered[1]).toEqual(first);
    expect(answered[0]).toBe(answered[2]);
    const [stored] = await t.db.transaction((tx) => upsertRecipients(tx, tenant, [{ email: 'new@x.com' }]));
    expect(answered[0]).toEqual(stored); // what the insert returned is what a read gives
    expect(stored).toMatchObject({ firstName: 'New', payoutMethod: null, ready: false, taxFormState: null });
  });

  it('answers the recipient another transaction added between the look-up and the insert', async () => {
    const answered = await t.db.transaction(async (tx) => {
      let lookedUp = false;
      // The real transaction; right after the first look-up, "another transaction" adds raced@x.com.
      const racing: Executor = {
        exec: (sql) => tx.exec(sql),
        async query(sql, params) {
          const rows = await tx.query(sql, params);
          if (!lookedUp) {
            lookedUp = true;
            await upsertRecipients(tx, tenant, [{ email: 'raced@x.com', firstName: 'First' }]);
          }
          return rows as never;
        },
      };
      return upsertRecipients(racing, tenant, [{ email: 'raced@x.com', firstName: 'Second' }, { email: 'calm@x.com' }]);
    });
    expect(answered.map((r) => [r.email, r.firstName])).toEqual([
      ['raced@x.com', 'First'],
      ['calm@x.com', null],
    ]);
    const rows = await t.db.query<{ n: number }>(`select count(*)::int as n from recipients where organization_id = $1 and email = 'raced@x.com'`, [
      tenant.organizationId,
    ]);
    expect(rows[0]!.n).toBe(1);
  });
});
