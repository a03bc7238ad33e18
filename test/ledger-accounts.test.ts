import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAccounts } from '../src/modules/ledger/index.js';
import { type Executor, sqlText, type Transaction } from '../src/platform/db/database.js';
import type { Tenant } from '../src/platform/tenant.js';
import { createTestApp, type TestApp } from './harness.js';

// A tenant's balance rows are opened once and never deleted, so a process that has seen them
// committed no longer looks for them: each create saves a statement. Rows opened by a transaction
// that rolled back were never committed, and are opened again.
describe('ensureAccounts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  /** The statements ensureAccounts runs in one transaction; `fail` rolls the transaction back after it. */
  async function statementsOf(tenant: Tenant, fail = false): Promise<string[]> {
    const sent: string[] = [];
    const counting = (tx: Transaction): Executor => ({
      exec: (sql) => tx.exec(sql),
      query: (sql, params) => {
        sent.push(sqlText(sql));
        return tx.query(sql, params);
      },
    });
    await t.db
      .transaction(async (tx) => {
        await ensureAccounts(counting(tx), tenant);
        if (fail) throw new Error('rolled back');
      })
      .catch((error: Error) => {
        if (error.message !== 'rolled back') throw error;
      });
    return sent;
  }

  const balanceRows = async (tenant: Tenant) =>
    (await t.db.query('select account, balance from ledger_balances where organization_id = $1 and environment = $2 order by account', [
      tenant.organizationId,
      tenant.environment,
    ])) as { account: string; balance: bigint }[];

  it('opens a new tenant’s accounts, finds them once committed, then no longer looks', async () => {
    const tenant: Tenant = { organizationId: await t.createOrganization(), environment: 'sandbox' };
    expect((await statementsOf(tenant)).length).toBeGreaterThan(1); // looked, opened, posted the opening balance
    expect(await balanceRows(tenant)).toContainEqual({ account: 'available', balance: 100_000_000n });
    expect(await statementsOf(tenant)).toHaveLength(1); // found by a plain read
    expect(await statementsOf(tenant)).toEqual([]);
  });

  it('opens again the accounts of a transaction that rolled back', async () => {
    const tenant: Tenant = { organizationId: await t.createOrganization(), environment: 'production' };
    expect((await statementsOf(tenant, true)).length).toBeGreaterThan(1);
    expect(await balanceRows(tenant)).toEqual([]);
    expect((await statementsOf(tenant)).length).toBeGreaterThan(1);
    expect((await balanceRows(tenant)).map((row) => row.account)).toEqual(['available', 'funding', 'held', 'paid_out']);
    expect(await statementsOf(tenant)).toHaveLength(1);
    expect(await statementsOf(tenant)).toEqual([]);
  });
});
