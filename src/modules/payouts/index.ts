// What other modules may use of payouts: reacting when a recipient's acceptance changes.
export { wakeAwaitingPayoutsOf } from './payouts.service.js';
