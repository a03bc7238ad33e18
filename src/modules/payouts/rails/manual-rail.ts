import type { PayoutRail, RailStep } from './rail.js';

/**
 * Production's built-in rail: the money is sent by people outside this system, so payouts wait in
 * `pending` until an operator settles them (`payouts payouts settle`). Acceptance is decided
 * before the rail: a recipient who does not auto-accept must accept first.
 */
export function manualRail(): PayoutRail {
  return {
    name: 'manual',
    async next(payout): Promise<RailStep> {
      if (payout.status === 'created') {
        return { kind: 'move', to: payout.recipientAutoAccept ? 'pending' : 'awaiting_acceptance', nextActionDelayMs: null };
      }
      if (payout.status === 'awaiting_acceptance' && payout.recipientAutoAccept) return { kind: 'move', to: 'pending', nextActionDelayMs: null };
      return { kind: 'wait', nextActionDelayMs: null };
    },
  };
}
