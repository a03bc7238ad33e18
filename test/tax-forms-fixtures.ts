// Signed-form fixtures for the tax form tests: details as validateTaxForm hands them over, and a
// signer record. TINs are recognisable so a test can search for them in clear anywhere.
import type { SignerRecord, W8BenDetails, W9Details } from '../src/modules/tax-forms/index.js';

export const W9_TIN = '123456789';
export const W8_TIN = '912781234';
export const W8_DATE_OF_BIRTH = '1984-07-19';
export const W9_STREET = '1600 Sample Street Apt 7';

export const w9 = (overrides: Partial<W9Details> = {}): W9Details => ({
  formType: 'w9',
  legalName: 'Ana Diaz',
  businessName: null,
  taxClassification: 'individual',
  otherClassification: null,
  exemptPayeeCode: null,
  fatcaCode: null,
  address: W9_STREET,
  city: 'Springfield',
  state: 'IL',
  zip: '62704',
  tinType: 'ssn',
  tin: W9_TIN,
  backupWithholding: false,
  ...overrides,
});

export const w8ben = (overrides: Partial<W8BenDetails> = {}): W8BenDetails => ({
  formType: 'w8ben',
  legalName: 'Mei Tanaka',
  citizenshipCountry: 'JP',
  address: '3-1-1 Kasumigaseki',
  city: 'Tokyo',
  postalCode: '100-0013',
  country: 'JP',
  mailingAddress: null,
  mailingCity: null,
  mailingPostalCode: null,
  mailingCountry: null,
  tin: W8_TIN,
  foreignTin: 'JP-4455667788',
  foreignTinNotRequired: false,
  dateOfBirth: W8_DATE_OF_BIRTH,
  treatyCountry: 'JP',
  treatyArticle: '7',
  treatyRate: '0',
  treatyIncomeType: 'Independent personal services',
  ...overrides,
});

export const signer = (signature: string, signedAt = new Date()): SignerRecord => ({
  signature,
  signedAt,
  session: 'portal-session-1',
  ip: '203.0.113.9',
  userAgent: 'Mozilla/5.0 (test)',
});
