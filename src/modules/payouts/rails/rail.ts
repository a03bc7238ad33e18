import type { DuePayout } from '../payouts.repository.js';
import type { PayoutStatus } from '../state.js';

/** What a rail wants to happen to a due payout. */
export type RailStep =
  /** Move to a status; the worker looks again after the delay (null: only an outside event moves it on). */
  | { kind: 'move'; to: PayoutStatus; reason?: string; nextActionDelayMs: number | null }
  /** Leave it as it is; look again after the delay, or never by itself when null. */
  | { kind: 'wait'; nextActionDelayMs: number | null };

/**
 * The port between the payout lifecycle and whatever actually moves the money. A rail is called
 * by the worker for each due payout, outside any transaction, and must be safe to call again for
 * the same payout (the worker may crash after the call and retry).
 */
export interface PayoutRail {
  readonly name: string;
  next(payout: DuePayout): Promise<RailStep>;
}
