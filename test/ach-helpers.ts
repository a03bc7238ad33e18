// Shared steps for ACH scenarios: an organization with bank settings, recipients paid by bank
// account, and payouts brought to `pending` on the ACH rail by the real worker.
import { expect } from 'vitest';
import { fund } from '../src/modules/ledger/ledger.service.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { bearer, type TestApp } from './harness.js';
import { createBatch, drain } from './payout-helpers.js';

export const BANK_SETTINGS = {
  odfiRouting: '021000021',
  immediateDestinationName: 'JPMORGAN CHASE',
  immediateOrigin: '1234567890',
  immediateOriginName: 'ACME PAYOUTS INC',
  companyId: '1234567890',
  companyName: 'ACME PAYOUTS',
  companyEntryDescription: 'PAYOUT',
  balanced: false,
  cutoffTime: '16:00',
};

export type DashboardHeaders = (environment?: string) => Record<string, string>;

export async function setUpBank(t: TestApp, admin: DashboardHeaders, settings: object = BANK_SETTINGS): Promise<void> {
  const response = await t.app.inject({ method: 'PUT', url: '/ach/settings', headers: admin(), payload: settings });
  expect(response.statusCode, response.body).toBe(200);
}

export async function fundProduction(t: TestApp, organizationId: string, amount: bigint): Promise<void> {
  await t.db.transaction((tx) => fund(tx, { organizationId, environment: 'production' }, amount));
}

let serial = 0;

/** A recipient who auto-accepts, with a bank account (or a PayPal address) set by the business. */
export async function bankRecipient(
  t: TestApp,
  key: string,
  method: { holderType?: 'individual' | 'business'; accountType?: 'checking' | 'savings'; paypal?: boolean; accountNumber?: string } = {},
): Promise<string> {
  serial++;
  const email = `payee-${serial}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const created = await t.app.inject({
    method: 'POST',
    url: '/recipients',
    headers: bearer(key),
    payload: { recipients: [{ firstName: 'Pay', lastName: `Ee${serial}`, email, autoAcceptPayouts: true }] },
  });
  expect(created.statusCode, created.body).toBeLessThan(300);
  const id = created.json().data.recipients[0].id as string;
  const payload = method.paypal
    ? { type: 'paypal', email }
    : {
        type: 'us_bank_account',
        accountHolderName: `Pay Ee ${serial}`,
        accountHolderType: method.holderType ?? 'individual',
        routingNumber: '011000015',
        accountNumber: method.accountNumber ?? `${100000 + serial}`,
        accountType: method.accountType ?? 'checking',
      };
  const set = await t.app.inject({ method: 'PUT', url: `/recipients/${id}/payout-method`, headers: bearer(key), payload });
  expect(set.statusCode, set.body).toBe(200);
  return id;
}

/** Pays each recipient the amount and lets the worker bring the payouts to `pending`. */
export async function pendingPayouts(t: TestApp, key: string, worker: RunningWorker, items: { recipientId: string; amount: number }[]): Promise<string[]> {
  const response = await createBatch(t, key, items);
  expect(response.statusCode, response.body.slice(0, 300)).toBe(201);
  await drain(worker);
  return response.json().data.payouts.map((p: { id: string }) => p.id);
}

/**
 * The file id modifier `file` should have been given: the first one not used by the earlier files
 * of its day (the date in its name). Computed, not assumed: a test that runs across midnight in
 * the bank's time zone starts a new day at A.
 */
export function expectedModifier(files: readonly { id: string; fileName: string }[], file: { id: string; fileName: string }): string {
  const day = (name: string) => name.split('-')[1];
  const used = new Set(files.filter((f) => f.id !== file.id && day(f.fileName) === day(file.fileName)).map((f) => f.fileName.split('-')[2]![0]));
  return [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'].find((m) => !used.has(m))!;
}
