import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';

/** A payout's entry in a file, as a return or a correction names it by its trace number. */
export interface SentEntry {
  traceNumber: string;
  payoutId: string;
  recipientId: string;
  payoutMethodId: string;
  amount: bigint;
  accountLast4: string;
  /** False once its file was voided (never sent to the bank). */
  active: boolean;
}

interface SentEntryRow {
  trace_number: string;
  payout_id: string;
  recipient_id: string;
  payout_method_id: string;
  amount: bigint;
  account_number_last4: string;
  active: boolean;
}

/** The tenant's entries with these trace numbers; another organization's or environment's are never found. */
export async function findEntriesByTraces(ex: Executor, tenant: Tenant, traces: string[]): Promise<SentEntry[]> {
  if (traces.length === 0) return [];
  const rows = await ex.query<SentEntryRow>(
    `select e.trace_number, e.payout_id, e.recipient_id, e.payout_method_id, e.amount, e.account_number_last4, e.active
     from ach_entries e join payouts p on p.id = e.payout_id
     where e.organization_id = $1 and p.organization_id = $1 and p.environment = $2 and e.trace_number = any($3::text[])`,
    [tenant.organizationId, tenant.environment, traces],
  );
  return rows.map((r) => ({
    traceNumber: r.trace_number,
    payoutId: r.payout_id,
    recipientId: r.recipient_id,
    payoutMethodId: r.payout_method_id,
    amount: BigInt(r.amount),
    accountLast4: r.account_number_last4,
    active: r.active,
  }));
}

export interface NewReturnEntry {
  id: string;
  originalTrace: string;
  code: string;
  kind: 'return' | 'correction';
  payoutId: string;
  outcome: string;
}

export const returnEntryKey = (originalTrace: string, code: string) => `${originalTrace}|${code}`;

/**
 * Records return or correction entries, each at most once per (organization, original trace,
 * code); answers the keys (`returnEntryKey`) of the rows newly inserted, the only ones to apply.
 */
export async function insertReturnEntries(ex: Executor, tenant: Tenant, entries: NewReturnEntry[]): Promise<Set<string>> {
  if (entries.length === 0) return new Set();
  const rows = await ex.query<{ original_trace: string; code: string }>(
    `insert into ach_return_entries (id, organization_id, original_trace, code, kind, payout_id, outcome)
     select id, $1, original_trace, code, kind, payout_id, outcome
     from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[]) as t(id, original_trace, code, kind, payout_id, outcome)
     on conflict (organization_id, original_trace, code) do nothing
     returning original_trace, code`,
    [
      tenant.organizationId,
      entries.map((e) => e.id),
      entries.map((e) => e.originalTrace),
      entries.map((e) => e.code),
      entries.map((e) => e.kind),
      entries.map((e) => e.payoutId),
      entries.map((e) => e.outcome),
    ],
  );
  return new Set(rows.map((r) => returnEntryKey(r.original_trace, r.code)));
}

export async function updateReturnEntryOutcome(ex: Executor, tenant: Tenant, originalTrace: string, code: string, outcome: string): Promise<void> {
  await ex.query('update ach_return_entries set outcome = $4 where organization_id = $1 and original_trace = $2 and code = $3', [
    tenant.organizationId,
    originalTrace,
    code,
    outcome,
  ]);
}
