// Tax forms' sealed details, re-sealed under the first key after a rotation, with the TIN's keyed
// hash recomputed from the decrypted TIN: a hash matches only hashes made under the same key, and
// the 1099-NEC report groups payees by it.
import type { Executor } from '../../platform/db/database.js';
import type { KeyRing } from '../../platform/crypto.js';
import { type ResealReport, resealColumn, type SealedColumn } from '../../platform/reseal.js';
import type { TaxFormDetails } from './tax-form.js';
import { tinHashOf } from './tax-forms.service.js';

/** The keyed hash of a form's TIN exactly as signTaxForm makes it (null without a US TIN). */
const tinHashOfDetails = (keys: KeyRing, details: Pick<TaxFormDetails, 'tin'>): string | null => (details.tin ? tinHashOf(keys, details.tin) : null);

const TAX_FORM_DETAILS: SealedColumn = {
  label: 'tax_forms.details_encrypted',
  table: 'tax_forms',
  key: [{ column: 'id', type: 'uuid' }],
  column: 'details_encrypted',
  keyedHash: { column: 'tin_hash', of: (plain, keys) => tinHashOfDetails(keys, JSON.parse(plain) as TaxFormDetails) },
};

/** `payouts encryption re-encrypt`: every form's details sealed, and its TIN hashed, under the first key. */
export const reencryptTaxForms = async (ex: Executor, keys: KeyRing, sliceSize?: number): Promise<ResealReport[]> => [
  await resealColumn(ex, keys, TAX_FORM_DETAILS, { sliceSize }),
];
