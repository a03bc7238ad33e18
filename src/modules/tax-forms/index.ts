// What other parts of the service use of tax forms.
export type { SignerRecord, TaxForm, TaxFormDetails, TaxFormType, W8BenDetails, W9Details } from './tax-form.js';
export { insertSensitiveDownload, listSensitiveDownloads } from './downloads.repository.js';
export type { SensitiveDownload, SensitiveDownloadKind } from './downloads.repository.js';
export { default as taxFormPdfRoutes } from './pdf.routes.js';
export { renderTaxFormPdf } from './pdf.js';
export { taxFormLinkPath } from './pdf.service.js';
export { queueTaxFormReceivedEmail } from './received-email.js';
