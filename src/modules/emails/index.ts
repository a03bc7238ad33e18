// What other modules may use of emails: queueing the emails a change causes, in its transaction.
export { type EmailFile, queueBatchEmails, queueEmail, queueEmails, queuePayoutStatusEmails, recordMailFrom } from './emails.service.js';
export { reencryptEmailAttachments } from './reencrypt.js';
