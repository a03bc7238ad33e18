import type { Database, Executor } from '../../platform/db/database.js';
import { CSV_PAGE_SIZE } from '../../platform/http/csv.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { isUuid } from '../../platform/ids.js';
import type { Tenant } from '../../platform/tenant.js';
import { findRecipientsByIds, type Recipient } from '../recipients/index.js';
import * as batchesRepo from './batches.repository.js';
import { CANCEL_REASON, cancelMove } from './bulk-cancel.js';
import * as listRepo from './payouts-list.repository.js';
import type { PayoutFilter, PayoutPage } from './payouts-list.repository.js';
import * as repo from './payouts.repository.js';
import type { PayoutRecord, StatusUpdateRecord } from './payouts.repository.js';
import { CANCELABLE, pathBetween, type PayoutStatus, SETTLE_FROM, SETTLE_OUTCOMES, type SettleOutcome } from './state.js';
import { applyMoves } from './transitions.js';

export interface PayoutDetail {
  id: string;
  payout: PayoutRecord;
  recipient: Recipient;
  statusUpdates: StatusUpdateRecord[];
}

/** Payouts with their recipients and status histories, in the order given: three queries in all. */
async function withDetails(ex: Executor, tenant: Tenant, payouts: PayoutRecord[]): Promise<PayoutDetail[]> {
  const recipients = new Map((await findRecipientsByIds(ex, tenant, [...new Set(payouts.map((p) => p.recipientId))])).map((r) => [r.id, r]));
  const updates = new Map<string, StatusUpdateRecord[]>();
  const sequenceOf = new Map(payouts.map((p) => [p.id, p.sequence]));
  for (const update of await repo.findStatusUpdates(
    ex,
    tenant,
    payouts.map((p) => p.id),
  )) {
    // The payouts were read by an earlier statement: a move committed since then is left out, so
    // that the history always ends on the status (and rail) the answer shows.
    if (update.sequence > (sequenceOf.get(update.payoutId) ?? 0)) continue;
    updates.set(update.payoutId, [...(updates.get(update.payoutId) ?? []), update]);
  }
  return payouts.map((payout) => ({ id: payout.id, payout, recipient: recipients.get(payout.recipientId)!, statusUpdates: updates.get(payout.id) ?? [] }));
}

async function findPayout(ex: Executor, tenant: Tenant, id: string, forUpdate = false): Promise<PayoutRecord> {
  const payout = isUuid(id) ? await repo.findPayoutById(ex, tenant, id, { forUpdate }) : undefined;
  if (!payout) throw notFound('payment', 'paymentId');
  return payout;
}

export async function getPayout(db: Database, tenant: Tenant, id: string): Promise<PayoutDetail> {
  const [detail] = await withDetails(db, tenant, [await findPayout(db, tenant, id)]);
  return detail!;
}

export type { PayoutFilter };

/** Refuses ids that are not ids (a 400 naming the parameter, rather than a database error). */
export function checkPayoutFilter(filter: PayoutFilter): PayoutFilter {
  for (const [param, value] of [
    ['batchId', filter.batchId],
    ['recipientId', filter.recipientId],
  ] as const) {
    if (value !== undefined && !isUuid(value)) throw new AppError('invalid_request', `\`${param}\` must be an id.`, param);
  }
  return filter;
}

/** One page of payouts with their details, and with `includeTotal` the number of all that match. */
export async function listPayouts(
  db: Database,
  tenant: Tenant,
  filter: PayoutFilter,
  page: PayoutPage,
  options: { includeTotal?: boolean } = {},
): Promise<{ payouts: PayoutDetail[]; total?: number }> {
  checkPayoutFilter(filter);
  const payouts = await withDetails(db, tenant, await listRepo.listPayouts(db, tenant, { ...filter, ...page }));
  if (!options.includeTotal) return { payouts };
  return { payouts, total: await listRepo.countPayouts(db, tenant, filter) };
}

/** One page of the payouts export: the CSV_PAGE_SIZE matching payouts older than `before`, with their recipients. */
export const exportPayoutsPage = (db: Database, tenant: Tenant, filter: PayoutFilter, before: string | null): Promise<listRepo.PayoutExportRow[]> =>
  listRepo.listPayoutsForExport(db, tenant, { ...filter, before, limit: CSV_PAGE_SIZE });

/** Cancels a payout that has not reached `processing`; its held money goes back to available. */
export async function cancelPayout(db: Database, tenant: Tenant, id: string, reason = CANCEL_REASON): Promise<PayoutDetail> {
  await db.transaction(async (tx) => {
    const payout = await findPayout(tx, tenant, id, true);
    // The same move as a bulk cancel; a single cancel answers 409 where the bulk one reports.
    const move = payout.kind === 'payout' && CANCELABLE.includes(payout.status) ? cancelMove(payout, reason) : undefined;
    if (!move || 'refused' in move) {
      throw new AppError('invalid_state', `This payout is \`${payout.status}\` and can no longer be canceled.`, 'paymentId');
    }
    await applyMoves(tx, [move]);
  });
  return getPayout(db, tenant, id);
}

/** Accepts a sandbox payout waiting in `awaiting_acceptance`, as its recipient would. */
export async function acceptPayout(db: Database, tenant: Tenant, id: string, stepDelayMs: number): Promise<PayoutDetail> {
  if (tenant.environment !== 'sandbox') {
    throw new AppError('invalid_request', 'Production payouts are accepted by their recipient, through the payout link.', 'paymentId');
  }
  await db.transaction(async (tx) => {
    const payout = await findPayout(tx, tenant, id, true);
    if (payout.status !== 'awaiting_acceptance') {
      throw new AppError('invalid_state', `This payout is \`${payout.status}\`, not awaiting acceptance.`, 'paymentId');
    }
    await applyMoves(tx, [{ payout, to: 'pending', nextActionDelayMs: stepDelayMs }]);
  });
  return getPayout(db, tenant, id);
}

/**
 * An operator's word on a payout sent outside the system (the manual rail): walks it through the
 * legal statuses to `target`, each step recorded with its event and ledger posting, the last one
 * with the reason and who recorded it. Refused for any other rail, and before the recipient has
 * accepted (SETTLE_FROM), whoever asks: the CLI and the dashboard go through here alike.
 */
export async function settlePayout(
  db: Database,
  tenant: Tenant,
  id: string,
  target: PayoutStatus,
  reason?: string,
  recordedBy: string | null = null,
): Promise<PayoutDetail> {
  if (!(SETTLE_OUTCOMES as readonly string[]).includes(target)) {
    throw new AppError('invalid_request', 'A payout can be settled as completed, failed or returned.', 'status');
  }
  await db.transaction(async (tx) => {
    let payout = await findPayout(tx, tenant, id, true);
    refuseUnsettleable(payout, target as SettleOutcome);
    const path = pathBetween(payout.status, target)!;
    if (path.includes('processing')) await refuseWhileHeld(tx, tenant, payout.recipientId);
    for (const to of path) {
      const last = to === target;
      await applyMoves(tx, [{ payout, to, reason: last ? (reason ?? null) : null, recordedBy, nextActionDelayMs: null }]);
      payout = await findPayout(tx, tenant, id, true);
    }
  });
  return getPayout(db, tenant, id);
}

/**
 * Settling from the dashboard: a failure or a return needs the operator's reason (it reaches the
 * recipient's email and the webhook), and the status update names the user who recorded it.
 */
export function settlePayoutAsUser(
  db: Database,
  tenant: Tenant,
  id: string,
  input: { status: SettleOutcome; reason?: string | undefined },
  userEmail: string,
): Promise<PayoutDetail> {
  const reason = input.reason?.trim() || undefined;
  if (input.status !== 'completed' && !reason) {
    throw new AppError('invalid_request', `Say why the payout ${input.status === 'failed' ? 'failed' : 'was returned'}.`, 'reason');
  }
  return settlePayout(db, tenant, id, input.status, reason, userEmail);
}

/** Why a payout may not be settled by hand as `target`, as the error the operator sees. */
function refuseUnsettleable(payout: PayoutRecord, target: SettleOutcome): void {
  if (payout.kind !== 'payout') {
    throw new AppError('invalid_state', 'This is a payment recorded as made outside the platform: it has no outcome to settle.', 'paymentId');
  }
  if (payout.status === 'created' || payout.status === 'awaiting_acceptance') {
    throw new AppError(
      'invalid_state',
      `This payout is \`${payout.status}\`: its recipient has not accepted it, so it cannot be settled (cancel it instead).`,
      'status',
    );
  }
  // An ACH payout settles with its bank file, a sandbox payout by its payee email's scenario.
  if (payout.rail === 'ach') {
    throw new AppError('invalid_state', 'This payout is paid by the ACH rail: it settles with its bank file (see Bank files), not by hand.', 'paymentId');
  }
  if (payout.rail !== 'manual') {
    throw new AppError(
      'invalid_state',
      'Only payouts on the manual rail are settled by hand; sandbox payouts follow their payee email’s scenario.',
      'paymentId',
    );
  }
  if (!SETTLE_FROM[target].includes(payout.status)) {
    throw new AppError('invalid_state', `This payout is \`${payout.status}\` and cannot become \`${target}\`.`, 'status');
  }
}

/**
 * A recipient whose payout method was just replaced is held: nothing of its is sent until the hold
 * ends, so a stolen key or session cannot redirect money before the recipient hears of it.
 */
async function refuseWhileHeld(tx: Executor, tenant: Tenant, recipientId: string): Promise<void> {
  const [recipient] = await findRecipientsByIds(tx, tenant, [recipientId]);
  const heldUntil = recipient?.payoutsHeldUntil;
  if (heldUntil && heldUntil > new Date()) {
    throw new AppError(
      'invalid_state',
      `This recipient's payout method was changed recently, so its payouts are held until ${heldUntil.toISOString()}. Settle it after that time.`,
      'status',
    );
  }
}

export interface BatchSummary extends batchesRepo.BatchRecord {
  byStatus: Partial<Record<PayoutStatus, { count: number; amount: bigint }>>;
}

async function summarize(ex: Executor, tenant: Tenant, batches: batchesRepo.BatchRecord[]): Promise<BatchSummary[]> {
  const totals = await batchesRepo.summarizeBatches(
    ex,
    tenant,
    batches.map((b) => b.id),
  );
  return batches.map((batch) => ({
    ...batch,
    byStatus: Object.fromEntries(totals.filter((t) => t.batchId === batch.id).map((t) => [t.status, { count: t.count, amount: t.total }])),
  }));
}

export async function getBatch(db: Database, tenant: Tenant, id: string): Promise<BatchSummary> {
  const batch = isUuid(id) ? await batchesRepo.findBatchById(db, tenant, id) : undefined;
  if (!batch) throw notFound('batch', 'id');
  return (await summarize(db, tenant, [batch]))[0]!;
}

export async function listBatches(
  db: Database,
  tenant: Tenant,
  page: { limit: number; before: string | null },
  options: { includeTotal?: boolean } = {},
): Promise<{ batches: BatchSummary[]; total?: number }> {
  const batches = await summarize(db, tenant, await batchesRepo.listBatches(db, tenant, page));
  if (!options.includeTotal) return { batches };
  return { batches, total: await batchesRepo.countBatches(db, tenant) };
}

/** A recipient now auto-accepts: its payouts waiting for acceptance are due for the worker at once. */
export const wakeAwaitingPayoutsOf = (tx: Executor, tenant: Tenant, recipientId: string): Promise<void> =>
  repo.wakeAwaitingPayoutsOfRecipient(tx, tenant, recipientId);
