// What other modules may use of payouts: reacting when a recipient's acceptance or readiness
// changes, and the recipient's own decisions on its payouts (the portal).
export { wakeAwaitingPayoutsOf } from './payouts.service.js';
export { findPayoutsByIdsForUpdate, type PayoutRail, type PayoutRecord } from './payouts.repository.js';
// The rails outside this module (ACH) move their payouts through the one lifecycle.
export { ACH_MAX_AMOUNT, type AppliedMove, applyMoves, type Move } from './transitions.js';
export { lockPendingAchPayouts, setPendingRail, switchPendingRail } from './rail-queue.repository.js';
export type { PayoutStatus } from './state.js';
export {
  acceptPayoutAsRecipient,
  actionNeededReason,
  DECLINED_REASON,
  declinePayoutAsRecipient,
  listRecipientPayouts,
  reactToReadiness,
} from './recipient-decisions.js';
// The overview page counts payouts per status, all of them named even when none has it.
export { PAYOUT_STATUSES } from './state.js';
