// Applying the bank's return file: returned entries (addenda 99) fail or return their payouts, and
// notifications of change (addenda 98) correct the recipient's bank details. Every entry is
// matched by its original trace number within the organization and applied at most once per
// (original trace, code), so a re-sent or cumulative file changes nothing twice. One transaction:
// a file is applied whole or not at all.

import type { Database, Executor } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import { uuidv7 } from '../../platform/ids.js';
import { formatMoney } from '../../platform/money.js';
import type { Tenant } from '../../platform/tenant.js';
import { applyMoves, findPayoutsByIdsForUpdate, type Move, type PayoutRecord } from '../payouts/index.js';
import { correctBankMethod, invalidateBankMethod, type RecipientContext } from '../recipients/index.js';
import {
  APPLIED_CHANGE_CODES,
  type CorrectionEntry,
  INVALIDATING_RETURN_CODES,
  NachaFormatError,
  parseNachaFile,
  type ReturnEntry,
  returnEntriesOf,
} from './nacha/index.js';
import { findEntriesByTraces, insertReturnEntries, returnEntryKey, type SentEntry, updateReturnEntryOutcome } from './returns.repository.js';

export interface AppliedReturn {
  line: number;
  traceNumber: string;
  code: string;
  description: string;
  payoutId: string;
  outcome: string;
}
export interface AppliedCorrection {
  line: number;
  traceNumber: string;
  code: string;
  payoutId: string;
  outcome: string;
}
export interface UnmatchedEntry {
  line: number;
  traceNumber: string;
  code: string;
  why: string;
}
export interface ReturnFileReport {
  returns: AppliedReturn[];
  corrections: AppliedCorrection[];
  unmatched: UnmatchedEntry[];
}

export const PRODUCTION_ONLY = 'Bank files exist in production only.';
export const ALREADY_APPLIED = 'already applied';
export const METHOD_CHANGED = 'ignored: payout method changed since';
// Entries are looked up and payouts locked this many at a time (bounded statements on big files).
const SLICE = 1000;

/** Parses and applies a return/NOC file for the tenant's organization (production only). */
export async function applyReturnFile(db: Database, tenant: Tenant, text: string, ctx: RecipientContext): Promise<ReturnFileReport> {
  if (tenant.environment !== 'production') throw new AppError('invalid_request', PRODUCTION_ONLY);
  const { returns, corrections } = readReturnFile(text);
  return db.transaction(async (tx) => {
    const entries = await entriesByTrace(
      tx,
      tenant,
      [...returns, ...corrections].map((e) => e.originalTrace),
    );
    const report: ReturnFileReport = { returns: [], corrections: [], unmatched: [] };
    await applyReturns(tx, tenant, returns, entries, report, ctx);
    await applyCorrections(tx, tenant, corrections, entries, report, ctx);
    report.unmatched.sort((a, b) => a.line - b.line);
    return report;
  });
}

/** The file's returns and corrections; a malformed file is the caller's mistake, named by line. */
function readReturnFile(text: string): ReturnType<typeof returnEntriesOf> {
  try {
    return returnEntriesOf(parseNachaFile(text));
  } catch (error) {
    if (error instanceof NachaFormatError) throw new AppError('invalid_request', `The file is not a valid NACHA file. ${error.message}`);
    throw error;
  }
}

async function entriesByTrace(tx: Executor, tenant: Tenant, traces: string[]): Promise<Map<string, SentEntry>> {
  const unique = [...new Set(traces)];
  const byTrace = new Map<string, SentEntry>();
  for (let i = 0; i < unique.length; i += SLICE) {
    for (const entry of await findEntriesByTraces(tx, tenant, unique.slice(i, i + SLICE))) byTrace.set(entry.traceNumber, entry);
  }
  return byTrace;
}

/** Why an entry names no payout we can act on, or undefined when it matches. */
function mismatch(entry: SentEntry | undefined, amount: bigint | null): string | undefined {
  if (!entry) return 'No payment of this organization has this trace number.';
  if (!entry.active) return 'This trace number belongs to a voided file, which was never sent to the bank.';
  if (amount !== null && amount !== entry.amount) return `The amount ${formatMoney(amount)} does not match the entry's ${formatMoney(entry.amount)}.`;
  return undefined;
}

async function lockPayouts(tx: Executor, tenant: Tenant, ids: string[]): Promise<Map<string, PayoutRecord>> {
  const unique = [...new Set(ids)].sort();
  const byId = new Map<string, PayoutRecord>();
  for (let i = 0; i < unique.length; i += SLICE) {
    for (const payout of await findPayoutsByIdsForUpdate(tx, tenant, unique.slice(i, i + SLICE))) byId.set(payout.id, payout);
  }
  return byId;
}

const RETURN_MOVES: Partial<Record<PayoutRecord['status'], 'failed' | 'returned'>> = { processing: 'failed', completed: 'returned' };

interface PlannedReturn {
  item: ReturnEntry;
  entry: SentEntry;
  reason: string;
  move: Move | undefined;
  outcome: string;
}

async function applyReturns(
  tx: Executor,
  tenant: Tenant,
  items: ReturnEntry[],
  entries: Map<string, SentEntry>,
  report: ReturnFileReport,
  ctx: RecipientContext,
): Promise<void> {
  const matched = items.filter((item) => {
    const why = mismatch(entries.get(item.originalTrace), item.amount);
    if (why) report.unmatched.push({ line: item.line, traceNumber: item.originalTrace, code: item.code, why });
    return !why;
  });
  const payouts = await lockPayouts(
    tx,
    tenant,
    matched.map((item) => entries.get(item.originalTrace)!.payoutId),
  );
  // Decide each entry in file order against the payouts as the earlier entries leave them.
  const planned: PlannedReturn[] = [];
  const seen = new Set<string>();
  for (const item of matched) {
    const entry = entries.get(item.originalTrace)!;
    const payout = payouts.get(entry.payoutId)!;
    const reason = `${item.code}: ${item.description}`;
    const key = returnEntryKey(item.originalTrace, item.code);
    if (seen.has(key)) {
      report.returns.push(returned(item, entry, ALREADY_APPLIED));
      continue;
    }
    seen.add(key);
    const to = RETURN_MOVES[payout.status];
    const move: Move | undefined = to ? { payout, to, reason, nextActionDelayMs: null } : undefined;
    if (to) payouts.set(payout.id, { ...payout, status: to });
    planned.push({ item, entry, reason, move, outcome: to ? `payout ${to}` : `not applicable: the payout is ${payout.status}` });
  }
  const inserted = await insertInSlices(tx, tenant, planned, 'return');
  const toApply = planned.filter((p) => inserted.has(returnEntryKey(p.item.originalTrace, p.item.code)));
  await applyMoves(
    tx,
    toApply.flatMap((p) => (p.move ? [p.move] : [])),
  );
  for (const p of planned) {
    if (!inserted.has(returnEntryKey(p.item.originalTrace, p.item.code))) {
      report.returns.push(returned(p.item, p.entry, ALREADY_APPLIED));
      continue;
    }
    if (INVALIDATING_RETURN_CODES.includes(p.item.code)) {
      const why = `your bank rejected the account ending in ${p.entry.accountLast4} (${p.reason}); please add a new bank account`;
      if (await invalidateBankMethod(tx, tenant, p.entry.recipientId, p.entry.payoutMethodId, why, ctx)) {
        p.outcome = `${p.outcome}; bank account invalidated`;
        await updateReturnEntryOutcome(tx, tenant, p.item.originalTrace, p.item.code, p.outcome);
      }
    }
    report.returns.push(returned(p.item, p.entry, p.outcome));
  }
  report.returns.sort((a, b) => a.line - b.line);
}

const returned = (item: ReturnEntry, entry: SentEntry, outcome: string): AppliedReturn => ({
  line: item.line,
  traceNumber: item.originalTrace,
  code: item.code,
  description: item.description,
  payoutId: entry.payoutId,
  outcome,
});

async function insertInSlices(tx: Executor, tenant: Tenant, planned: PlannedReturn[], kind: 'return'): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (let i = 0; i < planned.length; i += SLICE) {
    const slice = planned.slice(i, i + SLICE).map((p) => ({
      id: uuidv7(),
      originalTrace: p.item.originalTrace,
      code: p.item.code,
      kind,
      payoutId: p.entry.payoutId,
      outcome: p.outcome,
    }));
    for (const key of await insertReturnEntries(tx, tenant, slice)) inserted.add(key);
  }
  return inserted;
}

const CORRECTION_OUTCOMES = {
  corrected: 'bank details corrected',
  method_changed: METHOD_CHANGED,
  invalid_details: 'ignored: the corrected details are not a valid bank account',
} as const;

/** Notifications of change are few: each is recorded, then applied if it is new. */
async function applyCorrections(
  tx: Executor,
  tenant: Tenant,
  items: CorrectionEntry[],
  entries: Map<string, SentEntry>,
  report: ReturnFileReport,
  ctx: RecipientContext,
): Promise<void> {
  for (const item of items) {
    const entry = entries.get(item.originalTrace);
    const why = mismatch(entry, null);
    if (why || !entry) {
      report.unmatched.push({ line: item.line, traceNumber: item.originalTrace, code: item.code, why: why! });
      continue;
    }
    // Codes we do not act on (C08, C09, C13, …) are recorded and reported, never guessed at.
    const applies = APPLIED_CHANGE_CODES.includes(item.code);
    let outcome = applies ? 'applying' : `not applied: ${item.code} (${item.description})`;
    const recorded = { id: uuidv7(), originalTrace: item.originalTrace, code: item.code, kind: 'correction' as const, payoutId: entry.payoutId, outcome };
    if ((await insertReturnEntries(tx, tenant, [recorded])).size === 0) outcome = ALREADY_APPLIED;
    else if (applies) {
      outcome = CORRECTION_OUTCOMES[await correctBankMethod(tx, tenant, entry.payoutMethodId, item.corrected, ctx)];
      await updateReturnEntryOutcome(tx, tenant, item.originalTrace, item.code, outcome);
    }
    report.corrections.push({ line: item.line, traceNumber: item.originalTrace, code: item.code, payoutId: entry.payoutId, outcome });
  }
}
