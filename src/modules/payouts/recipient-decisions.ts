// What the recipient decides about its payouts (through the portal), and how readiness moves them.
// Each function joins the caller's transaction; moves go through applyMoves like every other.

import type { Executor } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import type { Page } from '../../platform/http/pagination.js';
import { isUuid } from '../../platform/ids.js';
import type { Tenant } from '../../platform/tenant.js';
import { readinessForDecision } from '../recipients/index.js';
import { listPayouts } from './payouts-list.repository.js';
import * as repo from './payouts.repository.js';
import type { PayoutRecord } from './payouts.repository.js';
import { applyMoves } from './transitions.js';

export const DECLINED_REASON = 'Declined by the recipient';
export const actionNeededReason = (why: string) => `Recipient action needed: ${why}`;

async function waitingPayout(tx: Executor, tenant: Tenant, recipientId: string, payoutId: string, verb: 'accepted' | 'declined'): Promise<PayoutRecord> {
  const payout = isUuid(payoutId) && isUuid(recipientId) ? await repo.findRecipientPayoutForUpdate(tx, tenant, recipientId, payoutId) : undefined;
  if (!payout) throw notFound('payment', 'paymentId');
  if (payout.status !== 'awaiting_acceptance') {
    throw new AppError('invalid_state', `This payout is already \`${payout.status}\`, so it can no longer be ${verb}.`, 'paymentId');
  }
  return payout;
}

const reread = async (tx: Executor, tenant: Tenant, id: string) => (await repo.findPayoutById(tx, tenant, id))!;

/**
 * The recipient's Accept: recorded on the payout, which moves to `pending` at once when the
 * recipient is ready (in the sandbox every ordinary payee counts as ready); otherwise it moves on
 * by itself when the recipient becomes ready (the manual rail reads `accepted_at`).
 */
export async function acceptPayoutAsRecipient(tx: Executor, tenant: Tenant, recipientId: string, payoutId: string): Promise<PayoutRecord> {
  // Readiness is read under a lock on the recipient, taken before the payout's (the order a
  // method removal takes them in): a removal running at the same time either finishes first and
  // is seen here, or waits, then finds this payout `pending` and sends it back.
  const ready = await readinessForDecision(tx, tenant, recipientId);
  const payout = await waitingPayout(tx, tenant, recipientId, payoutId, 'accepted');
  await repo.markPayoutAccepted(tx, tenant, payout.id);
  if (tenant.environment === 'sandbox' || ready) {
    // Due at once: the sandbox rail takes its next simulated step; production waits in `pending`.
    await applyMoves(tx, [{ payout, to: 'pending', nextActionDelayMs: tenant.environment === 'sandbox' ? 0 : null }]);
  }
  return reread(tx, tenant, payout.id);
}

/** The recipient's Decline: `canceled` with its reason; the held money goes back to available. */
export async function declinePayoutAsRecipient(tx: Executor, tenant: Tenant, recipientId: string, payoutId: string): Promise<PayoutRecord> {
  const payout = await waitingPayout(tx, tenant, recipientId, payoutId, 'declined');
  await applyMoves(tx, [{ payout, to: 'canceled', reason: DECLINED_REASON, nextActionDelayMs: null }]);
  return reread(tx, tenant, payout.id);
}

/** The recipient's own payouts from this organization and environment, newest first (limit + 1 rows, for paging). */
export async function listRecipientPayouts(ex: Executor, tenant: Tenant, recipientId: string, page: Page): Promise<PayoutRecord[]> {
  if (!isUuid(recipientId)) return [];
  return listPayouts(ex, tenant, { recipientId, limit: page.limit, before: page.before });
}

/**
 * A recipient's readiness changed. Ready: its waiting payouts are due, and the rail moves on those
 * it may. Not ready (production; sandbox payees always count as ready): its `pending` payouts go
 * back to `awaiting_acceptance` with the reason. Answers how many payouts went back.
 */
export async function reactToReadiness(tx: Executor, tenant: Tenant, recipientId: string, change: { ready: boolean; reason: string | null }): Promise<number> {
  if (change.ready) {
    await repo.wakeAwaitingPayoutsOfRecipient(tx, tenant, recipientId);
    return 0;
  }
  if (tenant.environment === 'sandbox') return 0;
  const pending = await repo.findPendingPayoutsOfRecipientForUpdate(tx, tenant, recipientId);
  const reason = actionNeededReason(change.reason ?? 'details missing');
  const moved = await applyMoves(
    tx,
    pending.map((payout) => ({ payout, to: 'awaiting_acceptance' as const, reason, nextActionDelayMs: null })),
  );
  return moved.length;
}
