// What other parts of the service use of tax forms.
export type { SignerRecord, TaxForm, TaxFormDetails, TaxFormType, W8BenDetails, W9Details } from './tax-form.js';
export { default as necReportRoutes } from './nec-report.routes.js';
