import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
// Signed tax forms for tests of what is built on them (PDFs, downloads, emails): inserted straight
// through the repository, details sealed and the TIN hashed as the signing service does.
import type { KeyRing } from '../src/platform/crypto.js';
import { encryptText, keyedHash } from '../src/platform/crypto.js';
import type { Executor } from '../src/platform/db/database.js';
import { uuidv7 } from '../src/platform/ids.js';
import type { Tenant } from '../src/platform/tenant.js';
import type { TaxForm, W8BenDetails, W9Details } from '../src/modules/tax-forms/index.js';
import { findTaxForm, insertTaxForm } from '../src/modules/tax-forms/tax-forms.repository.js';

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

/** Inserts a signed form for a recipient, as the signing service would. */
export async function insertSignedForm(ex: Executor, tenant: Tenant, keys: KeyRing, recipientId: string, details: W9Details | W8BenDetails): Promise<TaxForm> {
  const id = uuidv7();
  const w9 = details.formType === 'w9';
  await insertTaxForm(ex, tenant, {
    id,
    recipientId,
    formType: details.formType,
    legalName: details.legalName,
    businessName: w9 ? details.businessName : null,
    taxClassification: w9 ? details.taxClassification : null,
    exemptPayeeCode: w9 ? details.exemptPayeeCode : null,
    tinType: w9 ? details.tinType : details.tin ? 'ssn' : null,
    tinLast4: details.tin ? details.tin.slice(-4) : null,
    tinHash: details.tin ? keyedHash(keys, details.tin) : null,
    detailsEncrypted: encryptText(keys, JSON.stringify(details)),
    backupWithholding: w9 ? details.backupWithholding : false,
    signature: details.legalName,
    signedAt: SIGNER.signedAt,
    signerSession: SIGNER.session,
    signerIp: SIGNER.ip,
    signerUserAgent: SIGNER.userAgent,
    expiresAt: w9 ? null : new Date('2030-01-01T00:00:00Z'),
  });
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
