// Sandbox payees: the local part of the payee's email picks the outcome, on any domain, so
// Karat's documented `sandbox+completed@trykarat.com` works as written.
import type { PayoutStatus } from './state.js';

/** For each scenario, the statuses a payout goes through after `created`. */
export const SANDBOX_PATHS = {
  completed: ['pending', 'processing', 'completed'],
  failed: ['pending', 'processing', 'failed'],
  returned: ['pending', 'processing', 'completed', 'returned'],
  canceled: ['canceled'],
  pending: ['pending'],
  created: [],
  awaiting_acceptance: ['awaiting_acceptance', 'pending', 'processing', 'completed'],
} as const satisfies Record<string, readonly PayoutStatus[]>;

export type SandboxScenario = keyof typeof SANDBOX_PATHS;
export type SandboxError = 'error_insufficient_funds' | 'error_invalid_amount';

export const SANDBOX_REASONS: Partial<Record<PayoutStatus, string>> = {
  failed: 'The recipient’s bank rejected the payout (sandbox scenario).',
  returned: 'The recipient’s bank returned the funds (sandbox scenario).',
  canceled: 'Canceled by the sandbox scenario.',
};

const MAGIC = /^sandbox\+([a-z_]+)$/;

/** The scenario or simulated error an address asks for; undefined for an ordinary payee. */
export function sandboxBehaviourOf(email: string): SandboxScenario | SandboxError | undefined {
  const at = email.lastIndexOf('@');
  const match = MAGIC.exec(email.slice(0, at).toLowerCase());
  const name = match?.[1];
  if (!name) return undefined;
  if (name === 'error_insufficient_funds' || name === 'error_invalid_amount') return name;
  return name in SANDBOX_PATHS ? (name as SandboxScenario) : undefined;
}

/** The status after `current` on the scenario's path, or undefined when the payout rests there. */
export function nextSandboxStatus(scenario: SandboxScenario, current: PayoutStatus): PayoutStatus | undefined {
  const path: readonly PayoutStatus[] = SANDBOX_PATHS[scenario];
  if (current === 'created') return path[0];
  const index = path.indexOf(current);
  // A payout moved off its path (accepted, say) carries on as an ordinary payee from there.
  if (index === -1) return nextSandboxStatus('completed', current);
  return path[index + 1];
}
