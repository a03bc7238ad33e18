// Signed tax forms for tests of what reads them (the 1099-NEC report), written as tax-core's
// service writes one: the details sealed whole, the TIN as a keyed hash and its last 4.
import { encryptText, keyedHash } from '../src/platform/crypto.js';
import { uuidv7 } from '../src/platform/ids.js';
import type { Tenant } from '../src/platform/tenant.js';
import type { TaxFormDetails, W9Details } from '../src/modules/tax-forms/index.js';
import { insertTaxForm } from '../src/modules/tax-forms/tax-forms.repository.js';
import type { TestApp } from './harness.js';

export async function signTaxFormFixture(t: TestApp, tenant: Tenant, recipientId: string, details: TaxFormDetails, signedAt: string): Promise<string> {
  const keys = t.config.encryptionKeys!;
  const tin = details.tin;
  const id = uuidv7();
  const isW9 = details.formType === 'w9';
  await insertTaxForm(t.db, tenant, {
    id,
    recipientId,
    formType: details.formType,
    legalName: details.legalName,
    businessName: isW9 ? details.businessName : null,
    taxClassification: isW9 ? details.taxClassification : null,
    exemptPayeeCode: isW9 ? details.exemptPayeeCode : null,
    tinType: isW9 ? details.tinType : tin ? 'ssn' : null,
    tinLast4: tin ? tin.slice(-4) : null,
    tinHash: tin ? keyedHash(keys, tin) : null,
    detailsEncrypted: encryptText(keys, JSON.stringify(details)),
    backupWithholding: false,
    signature: details.legalName,
    signedAt: new Date(signedAt),
    signerSession: null,
    signerIp: '127.0.0.1',
    signerUserAgent: 'test',
    expiresAt: null,
  });
  return id;
}

/** A W-9 of an individual in Springfield, IL, with what the test changes. */
export const w9Fixture = (legalName: string, tin: string, more: Partial<W9Details> = {}): W9Details => ({
  formType: 'w9',
  legalName,
  businessName: null,
  taxClassification: 'individual',
  otherClassification: null,
  exemptPayeeCode: null,
  fatcaCode: null,
  address: '1 Main St',
  city: 'Springfield',
  state: 'IL',
  zip: '62701',
  tinType: 'ssn',
  tin,
  backupWithholding: false,
  ...more,
});
