import type { PayoutRail, RailStep } from './rail.js';

/**
 * Production's built-in rail: the money is sent by people outside this system, so payouts wait in
 * `pending` until an operator settles them (`payouts settle`, or Mark as paid in the dashboard). Acceptance is decided
 * before the rail: the recipient must be ready (a payout method on file) and have accepted, by
 * auto-accepting or by its Accept click.
 */
export function manualRail(): PayoutRail {
  return {
    name: 'manual',
    async next(payout): Promise<RailStep> {
      const mayGo = payout.recipientReady && (payout.recipientAutoAccept || payout.acceptedAt !== null);
      if (payout.status === 'created') return { kind: 'move', to: mayGo ? 'pending' : 'awaiting_acceptance', nextActionDelayMs: null };
      if (payout.status === 'awaiting_acceptance' && mayGo) return { kind: 'move', to: 'pending', nextActionDelayMs: null };
      return { kind: 'wait', nextActionDelayMs: null };
    },
  };
}
