import { nextSandboxStatus, SANDBOX_REASONS, type SandboxScenario } from '../sandbox.js';
import type { PayoutRail, RailStep } from './rail.js';

/** Simulates the rail for sandbox environments: each scenario's path, one step per delay. */
export function sandboxRail(stepDelayMs: number): PayoutRail {
  return {
    name: 'sandbox',
    async next(payout): Promise<RailStep> {
      const scenario = (payout.sandboxScenario ?? 'completed') as SandboxScenario;
      // Waiting for acceptance ends only when the recipient accepts (or auto-accepts).
      if (payout.status === 'awaiting_acceptance' && !payout.recipientAutoAccept) return { kind: 'wait', nextActionDelayMs: null };
      const to = nextSandboxStatus(scenario, payout.status);
      if (!to) return { kind: 'wait', nextActionDelayMs: null };
      const after = nextSandboxStatus(scenario, to);
      const resting = !after || (to === 'awaiting_acceptance' && !payout.recipientAutoAccept);
      return { kind: 'move', to, reason: SANDBOX_REASONS[to], nextActionDelayMs: resting ? null : stepDelayMs };
    },
  };
}
