// The bank account numbers of payout methods, re-sealed under the first key after a rotation.
import type { Executor } from '../../platform/db/database.js';
import type { KeyRing } from '../../platform/crypto.js';
import { type ResealReport, resealColumn, type SealedColumn } from '../../platform/reseal.js';

const ACCOUNT_NUMBERS: SealedColumn = {
  label: 'payout_methods.account_number_encrypted',
  table: 'payout_methods',
  key: [{ column: 'id', type: 'uuid' }],
  column: 'account_number_encrypted',
};

/** `payouts encryption re-encrypt`: every stored account number sealed under the first key. */
export const reencryptPayoutMethods = async (ex: Executor, keys: KeyRing, sliceSize?: number): Promise<ResealReport[]> => [
  await resealColumn(ex, keys, ACCOUNT_NUMBERS, { sliceSize }),
];
