// What other parts of the service use of tax forms.
export type { SignerRecord, TaxForm, TaxFormDetails, TaxFormType, W8BenDetails, W9Details } from './tax-form.js';
// Re-sealing details and re-hashing TINs under the first key (`payouts encryption re-encrypt`).
export { reencryptTaxForms } from './reencrypt.js';
export {
  type Certification,
  certificationLines,
  certificationOf,
  TAX_FORM_NAMES,
  W8BEN_CERTIFICATION,
  W9_BACKUP_WITHHOLDING_ITEM,
  W9_CERTIFICATION,
} from './certification.js';
export { type TaxFormInput, type TaxFormValidation, validateTaxForm } from './validation.js';
export { US_STATE_NAMES } from './us-states.js';
export { CLASSIFICATION_LABELS, TAX_CLASSIFICATIONS, type TaxClassification } from './tax-form.js';
export {
  currentTaxFormOf,
  getTaxForm,
  listTaxFormsFor,
  signTaxForm,
  TAX_FORM_LINK_DAYS,
  type TaxFormContext,
  taxFormLinkPath,
  tinHashOf,
  w8BenExpiresAt,
} from './tax-forms.service.js';
export { expireW8BenForms, expireW8BenSlice } from './expiry.js';
export { insertSensitiveDownload, listSensitiveDownloads } from './downloads.repository.js';
export type { SensitiveDownload, SensitiveDownloadKind } from './downloads.repository.js';
export { default as taxFormPdfRoutes } from './pdf.routes.js';
export { renderTaxFormPdf } from './pdf.js';
export { queueTaxFormReceivedEmail } from './received-email.js';
export { default as necReportRoutes } from './nec-report.routes.js';
