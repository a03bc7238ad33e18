// What other modules may use of recipients: look-ups, the upsert a batch makes for new payees, and
// the recipient's own changes (profile, payout method, auto-accept) that the portal makes.
export { findRecipientsByIds, getRecipient, type NewRecipientInput, normalizeEmail, type Recipient, upsertRecipients } from './recipients.service.js';
export { type ActiveMethod, type RecipientStatus, readinessForDecision, readyForDecisions, type TaxFormState } from './recipients.repository.js';
export {
  BACKUP_WITHHOLDING_REASON,
  lockRecipientForChange,
  NO_METHOD_REASON,
  readinessOf,
  setTaxFormState,
  TAX_FORM_EXPIRED_REASON,
  TAX_FORM_NEEDED_REASON,
} from './readiness.js';
export {
  type Actor,
  listPayoutMethodHistory,
  maskEmail,
  type MaskedPayoutMethod,
  maskPayoutMethod,
  type RecipientContext,
  type RecipientHooks,
  type RecipientProfile,
  recipientStatus,
  removePayoutMethod,
  setAutoAccept,
  setPayoutMethod,
  updateRecipientProfile,
} from './payout-methods.service.js';
export { type FieldError, isCountryCode, isValidRoutingNumber, type PayoutMethodInput, validatePayoutMethod } from './payout-method-validation.js';
export { type CorrectedBankDetails, type CorrectionResult, correctBankMethod, invalidateBankMethod } from './bank-corrections.js';
export { type ActiveBankAccount, findActiveBankAccounts } from './bank-accounts.repository.js';
