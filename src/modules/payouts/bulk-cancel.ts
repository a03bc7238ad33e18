import type { Database } from '../../platform/db/database.js';
import { notFound } from '../../platform/http/errors.js';
import { isUuid } from '../../platform/ids.js';
import type { Tenant } from '../../platform/tenant.js';
import * as batchesRepo from './batches.repository.js';
import { findCancelablePayoutsOfBatchForUpdate } from './payouts-list.repository.js';
import { findPayoutsByIdsForUpdate, type PayoutRecord } from './payouts.repository.js';
import { CANCELABLE, type PayoutStatus } from './state.js';
import { applyMoves, type Move } from './transitions.js';

// Cancelling many payouts at once (issue #14, "Bulk actions"). Each payout goes through the same
// move as a single cancel (status update, ledger release, payout.updated event, email), under
// its row lock and a compare-and-set, so a payout the worker moves on first is reported, never
// canceled, and a repeat cancels nothing more.

export const CANCEL_REASON = 'Canceled by the sender.';

/** Payouts per transaction: row and balance locks are held for one slice only. */
const SLICE = 250;

/** The cancel move of a payout, or why there is none. */
export function cancelMove(payout: PayoutRecord, reason = CANCEL_REASON): Move | { refused: string } {
  if (payout.kind !== 'payout') return { refused: 'This is a record of a payment made elsewhere; there is nothing to cancel.' };
  if (payout.status === 'canceled') return { refused: 'This payout is already canceled.' };
  if (!CANCELABLE.includes(payout.status)) return { refused: `This payout is \`${payout.status}\` and can no longer be canceled.` };
  return { payout, to: 'canceled', reason, nextActionDelayMs: null };
}

export interface NotCanceled {
  id: string;
  /** Null when there is no such payout in this organization and environment. */
  status: PayoutStatus | null;
  message: string;
}

/** Cancels the given payouts of the tenant that can still be canceled; reports every other one. */
export async function cancelPayouts(db: Database, tenant: Tenant, ids: string[]): Promise<{ canceled: string[]; notCanceled: NotCanceled[] }> {
  const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
  const canceled = new Set<string>();
  const refused = new Map<string, NotCanceled>();
  for (let start = 0; start < unique.length; start += SLICE) {
    const slice = unique.slice(start, start + SLICE).filter(isUuid);
    await db.transaction(async (tx) => {
      const payouts = await findPayoutsByIdsForUpdate(tx, tenant, slice);
      const moves: Move[] = [];
      for (const payout of payouts) {
        const move = cancelMove(payout);
        if ('refused' in move) refused.set(payout.id, { id: payout.id, status: payout.status, message: move.refused });
        else moves.push(move);
      }
      const applied = new Set((await applyMoves(tx, moves)).map((m) => m.payout.id));
      for (const move of moves) {
        if (applied.has(move.payout.id)) canceled.add(move.payout.id);
        // Locked rows always move; should one not, it is reported rather than counted.
        else refused.set(move.payout.id, { id: move.payout.id, status: move.payout.status, message: 'This payout changed meanwhile; try again.' });
      }
    });
  }
  const notCanceled = unique
    .filter((id) => !canceled.has(id))
    .map((id) => refused.get(id) ?? { id, status: null, message: 'No such payment in this organization and environment.' });
  return { canceled: unique.filter((id) => canceled.has(id)), notCanceled };
}

/**
 * Cancels every payout of the batch that can still be canceled, slice by slice; the rest of the
 * batch (already past `pending`, already canceled, or external) is counted as not cancelable.
 */
export async function cancelBatch(db: Database, tenant: Tenant, batchId: string): Promise<{ canceled: number; notCancelable: number }> {
  const batch = isUuid(batchId) ? await batchesRepo.findBatchById(db, tenant, batchId) : undefined;
  if (!batch) throw notFound('batch', 'id');
  let canceled = 0;
  let after: string | null = null;
  for (;;) {
    const slice = await db.transaction(async (tx) => {
      const payouts = await findCancelablePayoutsOfBatchForUpdate(tx, tenant, batch.id, after, SLICE);
      const moves = payouts.map((p) => cancelMove(p)).filter((m): m is Move => !('refused' in m));
      return { seen: payouts, moved: (await applyMoves(tx, moves)).length };
    });
    canceled += slice.moved;
    if (slice.seen.length < SLICE) break;
    after = slice.seen[slice.seen.length - 1]!.id;
  }
  return { canceled, notCancelable: batch.payoutCount - canceled };
}
