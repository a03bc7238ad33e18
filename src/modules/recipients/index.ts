// What other modules may use of recipients: look-ups and the upsert a batch makes for new payees.
export { findRecipientsByIds, getRecipient, type NewRecipientInput, normalizeEmail, type Recipient, upsertRecipients } from './recipients.service.js';
export type { RecipientHooks } from './recipients.service.js';
