import type { Executor } from '../../platform/db/database.js';
import { uuidv7 } from '../../platform/ids.js';
import type { Tenant } from '../../platform/tenant.js';
import type { NewEvent } from '../events/index.js';
import { queuePayoutStatusEmails } from '../emails/index.js';
import { publishEvents } from '../webhooks/index.js';
import { type Movement, post } from '../ledger/index.js';
import { applyStatusChanges, insertStatusUpdates, type NewStatusUpdate, type PayoutRail, type PayoutRecord, railFacts } from './payouts.repository.js';
import { LEDGER_MOVES, NEEDS_REASON, type PayoutStatus, transition } from './state.js';

export interface Move {
  payout: PayoutRecord;
  to: PayoutStatus;
  reason?: string | null;
  /** When the worker should look at the payout again; null when only an outside event moves it. */
  nextActionDelayMs: number | null;
  /** Set by applyMoves on entering `pending`: how the payout will be paid. */
  rail?: PayoutRail;
  /** Who made the move by hand (a user's email, or 'cli'), kept on its status update. */
  recordedBy?: string | null;
}

/** NACHA's largest entry amount, in cents ($99,999,999.99). */
export const ACH_MAX_AMOUNT = 9_999_999_999n;
export const OVER_ACH_LIMIT_REASON = 'Paid by the manual rail: the amount is over the ACH limit of $99,999,999.99.';

/**
 * Records each payout's rail as it becomes `pending` (SPEC "ACH rail"): the sandbox simulates; in
 * production a bank-account recipient of an organization with ACH set up is paid by ACH, anyone
 * else by hand; an amount NACHA cannot carry stays manual, with the reason on its status update.
 */
async function withRails(tx: Executor, moves: Move[]): Promise<Move[]> {
  const entering = moves.filter((m) => m.to === 'pending' && m.payout.kind === 'payout');
  if (entering.length === 0) return moves;
  const production = entering.filter((m) => m.payout.environment === 'production').map((m) => m.payout.id);
  const facts = await railFacts(tx, production);
  return moves.map((m) => {
    if (m.to !== 'pending' || m.payout.kind !== 'payout') return m;
    if (m.payout.environment === 'sandbox') return { ...m, rail: 'sandbox' };
    const fact = facts.get(m.payout.id);
    if (!fact?.achOn || !fact.bankAccount) return { ...m, rail: 'manual' };
    if (m.payout.amount > ACH_MAX_AMOUNT) return { ...m, rail: 'manual', reason: m.reason ?? OVER_ACH_LIMIT_REASON };
    return { ...m, rail: 'ach' };
  });
}

export interface AppliedMove extends Move {
  statusUpdateId: string;
  sequence: number;
  at: Date;
}

const DEFAULT_REASONS: Partial<Record<PayoutStatus, string>> = {
  failed: 'The payout failed.',
  returned: 'The payout was returned.',
  canceled: 'The payout was canceled.',
};

const tenantOfPayout = (p: PayoutRecord): Tenant => ({ organizationId: p.organizationId, environment: p.environment });

/**
 * Moves payouts to new statuses inside the caller's transaction: compare-and-set on each payout,
 * then for every one that moved, its status update, its `payout.updated` event and its ledger
 * posting, all in that same transaction. Illegal moves throw before anything is written; a payout
 * someone else moved first is skipped and not in the answer.
 */
export async function applyMoves(tx: Executor, moves: Move[]): Promise<AppliedMove[]> {
  if (moves.length === 0) return [];
  for (const move of moves) transition(move.payout.status, move.to);
  moves = await withRails(tx, moves);
  const reasonOf = (m: Move) => m.reason ?? (NEEDS_REASON.includes(m.to) ? DEFAULT_REASONS[m.to]! : null);
  const moved = await applyStatusChanges(
    tx,
    moves.map((m) => ({
      id: m.payout.id,
      fromStatus: m.payout.status,
      fromSequence: m.payout.sequence,
      toStatus: m.to,
      reason: reasonOf(m),
      nextActionDelayMs: m.nextActionDelayMs,
      rail: m.rail,
    })),
  );
  const at = new Date();
  const applied: AppliedMove[] = moves
    .filter((m) => moved.has(m.payout.id))
    .map((m) => ({ ...m, reason: reasonOf(m), statusUpdateId: uuidv7(), sequence: m.payout.sequence + 1, at }));
  if (applied.length === 0) return [];

  const updates: NewStatusUpdate[] = applied.map((m) => ({
    id: m.statusUpdateId,
    payoutId: m.payout.id,
    tenant: tenantOfPayout(m.payout),
    sequence: m.sequence,
    status: m.to,
    reason: m.reason ?? null,
    createdAt: at,
    recordedBy: m.recordedBy ?? null,
  }));
  await insertStatusUpdates(tx, updates);
  await publishEvents(tx, applied.map(payoutUpdatedEvent));
  await queuePayoutStatusEmails(
    tx,
    applied.map((m) => ({ payoutId: m.payout.id, to: m.to, reason: m.reason ?? null, sequence: m.sequence })),
  );

  const movements: Movement[] = [];
  for (const m of applied) {
    const money = LEDGER_MOVES[m.to];
    if (!money || m.payout.kind !== 'payout') continue;
    movements.push({
      tenant: tenantOfPayout(m.payout),
      currency: m.payout.currency,
      ...money,
      amount: m.payout.amount,
      kind: `payout_${m.to}`,
      batchId: m.payout.batchId,
      payoutId: m.payout.id,
    });
  }
  await post(tx, movements);
  return applied;
}

/** Karat's payout.updated data (snake case), plus our additive previous_status and sequence. */
function payoutUpdatedEvent(m: AppliedMove): NewEvent {
  return {
    id: uuidv7(),
    tenant: tenantOfPayout(m.payout),
    type: 'payout.updated',
    payoutId: m.payout.id,
    data: {
      id: m.statusUpdateId,
      status: m.to,
      reason: m.reason ?? null,
      reference_id: m.payout.referenceId,
      payout_intent_id: m.payout.id,
      date: m.at.toISOString(),
      previous_status: m.payout.status,
      sequence: m.sequence,
    },
  };
}
