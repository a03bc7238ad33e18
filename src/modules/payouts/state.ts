// The payout lifecycle as data: statuses, the legal moves between them, and what each move does
// to the ledger. Everything that changes a payout's status goes through `transition()`.
import { AppError } from '../../platform/http/errors.js';
import type { Account } from '../ledger/index.js';

export const PAYOUT_STATUSES = ['created', 'pending', 'awaiting_acceptance', 'processing', 'completed', 'failed', 'returned', 'canceled'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

export const TRANSITIONS: Readonly<Record<PayoutStatus, readonly PayoutStatus[]>> = {
  created: ['pending', 'awaiting_acceptance', 'canceled'],
  awaiting_acceptance: ['pending', 'canceled'],
  // Back to waiting when the recipient stops being ready (its method removed), with a reason.
  pending: ['processing', 'canceled', 'failed', 'awaiting_acceptance'],
  // Back to pending when its bank file is voided (never sent), for the next file.
  processing: ['completed', 'failed', 'pending'],
  // A completed payout can still come back from the rail.
  completed: ['returned'],
  failed: [],
  returned: [],
  canceled: [],
};

/**
 * What an operator may record by hand for a payout it sent itself (the manual rail), and from
 * which statuses: paid or failed once the recipient has accepted (`pending`, or `processing`),
 * returned once paid. Never from `created` or `awaiting_acceptance`: the recipient has not
 * accepted, so the payout must not be paid (cancel it instead).
 */
export const SETTLE_FROM: Readonly<Record<'completed' | 'failed' | 'returned', readonly PayoutStatus[]>> = {
  completed: ['pending', 'processing'],
  failed: ['pending', 'processing'],
  returned: ['completed'],
};
export type SettleOutcome = keyof typeof SETTLE_FROM;
export const SETTLE_OUTCOMES = Object.keys(SETTLE_FROM) as SettleOutcome[];

export const CANCELABLE: readonly PayoutStatus[] = ['created', 'pending', 'awaiting_acceptance'];

export const isTerminal = (status: PayoutStatus) => TRANSITIONS[status].length === 0;

/** Money moved by entering a status: from one account of the organization to another. */
export const LEDGER_MOVES: Readonly<Partial<Record<PayoutStatus, { from: Account; to: Account }>>> = {
  completed: { from: 'held', to: 'paid_out' },
  failed: { from: 'held', to: 'available' },
  canceled: { from: 'held', to: 'available' },
  returned: { from: 'paid_out', to: 'available' },
};

/** Statuses whose update carries a reason. */
export const NEEDS_REASON: readonly PayoutStatus[] = ['failed', 'returned', 'canceled'];

/** Checks a move against the table; an illegal move is an error, never a silent no-op. */
export function transition(from: PayoutStatus, to: PayoutStatus): PayoutStatus {
  if (!TRANSITIONS[from].includes(to)) {
    throw new AppError('invalid_state', `A payout cannot move from \`${from}\` to \`${to}\`.`, 'status');
  }
  return to;
}

/** The shortest chain of legal moves from one status to another, or undefined if there is none. */
export function pathBetween(from: PayoutStatus, to: PayoutStatus): PayoutStatus[] | undefined {
  const previous = new Map<PayoutStatus, PayoutStatus>();
  const queue: PayoutStatus[] = [from];
  while (queue.length > 0) {
    const status = queue.shift()!;
    if (status === to && status !== from) break;
    for (const next of TRANSITIONS[status]) {
      if (next === from || previous.has(next)) continue;
      previous.set(next, status);
      queue.push(next);
    }
  }
  if (!previous.has(to)) return undefined;
  const path: PayoutStatus[] = [];
  for (let status: PayoutStatus = to; status !== from; status = previous.get(status)!) path.unshift(status);
  return path;
}
