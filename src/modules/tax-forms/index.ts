// What other parts of the service use of tax forms.
export type { SignerRecord, TaxForm, TaxFormDetails, TaxFormType, W8BenDetails, W9Details } from './tax-form.js';
// Re-sealing details and re-hashing TINs under the first key (`payouts encryption re-encrypt`).
export { reencryptTaxForms, tinHashOf } from './reencrypt.js';
