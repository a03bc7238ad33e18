import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/http/errors.js';
import { CANCELABLE, isTerminal, LEDGER_MOVES, PAYOUT_STATUSES, pathBetween, transition, TRANSITIONS } from './state.js';

describe('payout state machine', () => {
  it('allows exactly the moves in the table', () => {
    for (const from of PAYOUT_STATUSES) {
      for (const to of PAYOUT_STATUSES) {
        if (TRANSITIONS[from].includes(to)) expect(transition(from, to)).toBe(to);
        else expect(() => transition(from, to)).toThrow(AppError);
      }
    }
  });

  it('has failed, canceled and returned terminal, and completed still returnable', () => {
    expect(['failed', 'canceled', 'returned'].every((s) => isTerminal(s as never))).toBe(true);
    expect(isTerminal('completed')).toBe(false);
    expect(TRANSITIONS.completed).toEqual(['returned']);
  });

  it('allows cancel until processing only', () => {
    for (const status of PAYOUT_STATUSES) expect(TRANSITIONS[status].includes('canceled')).toBe(CANCELABLE.includes(status));
  });

  it('moves money only out of held or paid out, and back to available or to paid out', () => {
    expect(LEDGER_MOVES.completed).toEqual({ from: 'held', to: 'paid_out' });
    expect(LEDGER_MOVES.returned).toEqual({ from: 'paid_out', to: 'available' });
    expect(LEDGER_MOVES.processing).toBeUndefined();
  });

  it('lets a pending payout go back to waiting (its recipient stopped being ready), and nothing else go back there', () => {
    expect(transition('pending', 'awaiting_acceptance')).toBe('awaiting_acceptance');
    expect(() => transition('processing', 'awaiting_acceptance')).toThrow(AppError);
    expect(() => transition('completed', 'awaiting_acceptance')).toThrow(AppError);
  });

  it('finds the shortest legal path', () => {
    expect(pathBetween('pending', 'completed')).toEqual(['processing', 'completed']);
    expect(pathBetween('pending', 'returned')).toEqual(['processing', 'completed', 'returned']);
    expect(pathBetween('created', 'completed')).toEqual(['pending', 'processing', 'completed']);
    expect(pathBetween('completed', 'failed')).toBeUndefined();
    expect(pathBetween('failed', 'completed')).toBeUndefined();
  });
});
