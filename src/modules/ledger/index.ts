// What other modules may use of the ledger: posting movements inside their transactions.
export { type Account, ensureAccounts, InsufficientBalanceError, type Movement, post } from './ledger.service.js';
// The overview page shows the balances.
export { type Balance, getBalance } from './ledger.service.js';
export { CLI_RECORDER, type DepositRecord, recordDeposit, reverseDeposit } from './deposits.service.js';
