// Signed tax forms for tests: details as validateTaxForm hands them over, a signer record, and a
// form stored exactly as signTaxForm stores one (its own row builder: details sealed, the TIN as a
// keyed hash and its last 4). TINs are recognisable so a test can search for them in clear anywhere.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SignerRecord, TaxForm, W8BenDetails, W9Details } from '../src/modules/tax-forms/index.js';
import { findTaxForm, insertTaxForm } from '../src/modules/tax-forms/tax-forms.repository.js';
import { newTaxFormRow } from '../src/modules/tax-forms/tax-forms.service.js';
import type { KeyRing } from '../src/platform/crypto.js';
import type { Executor } from '../src/platform/db/database.js';
import { uuidv7 } from '../src/platform/ids.js';
import type { Tenant } from '../src/platform/tenant.js';

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

export const W9: W9Details = {
  formType: 'w9',
  legalName: 'Ada Lovelace',
  businessName: 'Analytical Engines LLC',
  taxClassification: 'llc_p',
  otherClassification: null,
  exemptPayeeCode: null,
  fatcaCode: null,
  address: '12 Babbage Street',
  city: 'Springfield',
  state: 'IL',
  zip: '62704',
  tinType: 'ssn',
  tin: '123456789',
  backupWithholding: false,
};

export const W8BEN: W8BenDetails = {
  formType: 'w8ben',
  legalName: 'Łukasz Nowak',
  citizenshipCountry: 'PL',
  address: 'ul. Długa 5',
  city: 'Kraków',
  postalCode: '31-147',
  country: 'PL',
  mailingAddress: null,
  mailingCity: null,
  mailingPostalCode: null,
  mailingCountry: null,
  tin: null,
  foreignTin: 'PL98765432101',
  foreignTinNotRequired: false,
  dateOfBirth: '1985-07-14',
  treatyCountry: 'PL',
  treatyArticle: '12',
  treatyRate: '10',
  treatyIncomeType: 'Royalties',
};

export const SIGNER = {
  signature: 'Ada Lovelace',
  signedAt: new Date('2026-05-03T14:15:16Z'),
  session: 'psess_fixture_session',
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (Test)',
};

/** A form as stored, for rendering without a database. */
export function storedForm(details: W9Details | W8BenDetails, overrides: Partial<TaxForm> = {}): TaxForm {
  const w9 = details.formType === 'w9';
  return {
    id: uuidv7(),
    recipientId: uuidv7(),
    formType: details.formType,
    legalName: details.legalName,
    businessName: w9 ? details.businessName : null,
    taxClassification: w9 ? details.taxClassification : null,
    exemptPayeeCode: w9 ? details.exemptPayeeCode : null,
    tinType: w9 ? details.tinType : details.tin ? 'ssn' : null,
    tinLast4: details.tin ? details.tin.slice(-4) : null,
    backupWithholding: w9 ? details.backupWithholding : false,
    signer: { ...SIGNER, signature: details.legalName },
    expiresAt: w9 ? null : new Date('2030-01-01T00:00:00Z'),
    supersededAt: null,
    createdAt: SIGNER.signedAt,
    ...overrides,
  };
}

/** Stores a signed form for a recipient as signTaxForm would (without its events and emails). */
export async function insertSignedForm(
  ex: Executor,
  tenant: Tenant,
  keys: KeyRing,
  recipientId: string,
  details: W9Details | W8BenDetails,
  signedBy: SignerRecord = { ...SIGNER, signature: details.legalName },
): Promise<TaxForm> {
  const id = uuidv7();
  await insertTaxForm(ex, tenant, newTaxFormRow(id, recipientId, details, signedBy, keys));
  return (await findTaxForm(ex, tenant, id))!;
}

/** The text of a PDF, read back by an independent parser (pdfjs), one string per page. */
export async function pdfText(bytes: Uint8Array): Promise<string> {
  return (await pdfTextItems(bytes)).map((item) => item.str).join('\n');
}

/** Each piece of text of a PDF with where it ends on its line (x + width, in points). */
export async function pdfTextItems(bytes: Uint8Array): Promise<{ str: string; right: number; pageWidth: number }[]> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const standardFontDataUrl = `${dirname(fileURLToPath(import.meta.resolve('pdfjs-dist/package.json')))}/standard_fonts/`;
  const pdf = await getDocument({ data: new Uint8Array(bytes), standardFontDataUrl, isEvalSupported: false }).promise;
  const items: { str: string; right: number; pageWidth: number }[] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const page = await pdf.getPage(n);
    const pageWidth = page.view[2]!;
    for (const item of (await page.getTextContent()).items) if ('str' in item) items.push({ str: item.str, right: item.transform[4] + item.width, pageWidth });
  }
  await pdf.destroy();
  return items;
}

/**
 * The UTC year the recipient's current form was signed in: what its "valid through 31 Dec Y+3" is
 * counted from, whatever year the test's clock shows by the time it checks (a run may cross New Year).
 */
export async function signedYearOf(db: Executor, recipientId: string): Promise<number> {
  const rows = await db.query<{ year: number }>(
    `select extract(year from signed_at at time zone 'UTC')::integer as year from tax_forms where recipient_id = $1 and superseded_at is null`,
    [recipientId],
  );
  return rows[0]!.year;
}
