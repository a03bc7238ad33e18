import type { Executor } from '../../platform/db/database.js';
import { newLeaseOwner } from '../../platform/queue/lease.js';
import type { WorkerContext, WorkerTask } from '../../platform/worker-task.js';
import { readyForDecisions } from '../recipients/index.js';
import { claimDuePayouts, type DuePayout, releasePayouts } from './payouts.repository.js';
import { manualRail } from './rails/manual-rail.js';
import type { PayoutRail, RailStep } from './rails/rail.js';
import { sandboxRail } from './rails/sandbox-rail.js';
import { TRANSITIONS } from './state.js';
import { applyMoves, type Move } from './transitions.js';

/** The rail for each environment: the sandbox simulates, production waits for an operator. */
export function railsFor(ctx: WorkerContext): Record<DuePayout['environment'], PayoutRail> {
  return { sandbox: sandboxRail(ctx.config.sandboxDelayMs), production: manualRail() };
}

/**
 * Advances due payouts: claim a batch under a lease (one short transaction), ask each payout's
 * rail for its next step outside any transaction, then record every step in one transaction.
 * A crash anywhere leaves the claimed payouts to be claimed again when the lease runs out, and
 * the compare-and-set in applyMoves makes a repeated step a no-op rather than a second move.
 */
export function advancePayoutsTask(): WorkerTask {
  const owner = newLeaseOwner();
  return {
    name: 'advance-payouts',
    feedsOthers: true,
    async runOnce(ctx) {
      const { db, config } = ctx;
      const claimed = await db.transaction((tx) => claimDuePayouts(tx, config.workerBatchSize, config.leaseSeconds, owner));
      if (claimed.length === 0) return 0;
      const rails = railsFor(ctx);
      const steps = await Promise.all(claimed.map(async (payout) => ({ payout, step: await nextStep(rails[payout.environment], payout, ctx) })));
      const moves: Move[] = [];
      const waits: { id: string; nextActionDelayMs: number | null }[] = [];
      for (const { payout, step } of steps) {
        if (step.kind === 'move') moves.push({ payout, to: step.to, reason: step.reason ?? null, nextActionDelayMs: step.nextActionDelayMs });
        else waits.push({ id: payout.id, nextActionDelayMs: step.nextActionDelayMs });
      }
      await db.transaction(async (tx) => {
        // Recipient rows first (as a method removal and an Accept take them), then payout rows,
        // balance rows last, as in every other transaction: another order could deadlock.
        const confirmed = await confirmReadiness(tx, moves);
        await releasePayouts(tx, owner, [...waits, ...confirmed.waits]);
        await applyMoves(tx, confirmed.moves);
      });
      return claimed.length;
    },
  };
}

/**
 * A production payout goes to `pending` on its recipient's readiness as read at the claim. Read
 * again under a share lock on the recipient: if a method removal committed meanwhile, a new payout
 * waits for acceptance and a waiting one stays put (the removal saw no `pending` payout to send
 * back), so no payout is ever `pending` for a recipient that cannot be paid.
 */
export async function confirmReadiness(tx: Executor, moves: Move[]): Promise<{ moves: Move[]; waits: { id: string; nextActionDelayMs: null }[] }> {
  const resting = (m: Move) => m.to === 'pending' && m.payout.environment === 'production' && m.payout.kind === 'payout';
  const toCheck = moves.filter(resting);
  if (toCheck.length === 0) return { moves, waits: [] };
  const ready = await readyForDecisions(
    tx,
    toCheck.map((m) => ({ tenant: { organizationId: m.payout.organizationId, environment: m.payout.environment }, id: m.payout.recipientId })),
  );
  const confirmed: Move[] = [];
  const waits: { id: string; nextActionDelayMs: null }[] = [];
  for (const move of moves) {
    if (!resting(move) || ready.has(move.payout.recipientId)) confirmed.push(move);
    else if (move.payout.status === 'created') confirmed.push({ ...move, to: 'awaiting_acceptance' });
    else waits.push({ id: move.payout.id, nextActionDelayMs: null });
  }
  return { moves: confirmed, waits };
}

/** A rail's answer, checked: an illegal or failed step is logged and retried later, never applied. */
async function nextStep(rail: PayoutRail, payout: DuePayout, ctx: WorkerContext): Promise<RailStep> {
  try {
    const step = await rail.next(payout);
    if (step.kind === 'move' && !TRANSITIONS[payout.status].includes(step.to)) {
      ctx.log.error({ payoutId: payout.id, from: payout.status, to: step.to, rail: rail.name }, 'rail asked for an illegal move');
      return { kind: 'wait', nextActionDelayMs: null };
    }
    return step;
  } catch (error) {
    ctx.log.warn({ err: error, payoutId: payout.id, rail: rail.name }, 'rail call failed; retrying later');
    return { kind: 'wait', nextActionDelayMs: ctx.config.leaseSeconds * 1000 };
  }
}
