// A signed W-9 stored the way the tax-forms service stores one (details sealed, TIN hashed), for
// tests that need a tax form in the database without the portal.
import { insertTaxForm, type NewTaxForm } from '../src/modules/tax-forms/tax-forms.repository.js';
import { tinHashOf, type W9Details } from '../src/modules/tax-forms/index.js';
import { encryptText, type KeyRing } from '../src/platform/crypto.js';
import type { Executor } from '../src/platform/db/database.js';
import { uuidv7 } from '../src/platform/ids.js';
import type { Tenant } from '../src/platform/tenant.js';

export function w9Details(tin: string, legalName = 'Jordan Payee'): W9Details {
  return {
    formType: 'w9',
    legalName,
    businessName: null,
    taxClassification: 'individual',
    otherClassification: null,
    exemptPayeeCode: null,
    fatcaCode: null,
    address: '12 Main Street',
    city: 'Springfield',
    state: 'IL',
    zip: '62701',
    tinType: 'ssn',
    tin,
    backupWithholding: false,
  };
}

/** Inserts a current W-9 for the recipient through the repository; answers its id. */
export async function insertW9(ex: Executor, tenant: Tenant, keys: KeyRing, recipientId: string, tin: string): Promise<string> {
  const details = w9Details(tin);
  const form: NewTaxForm = {
    id: uuidv7(),
    recipientId,
    formType: 'w9',
    legalName: details.legalName,
    businessName: null,
    taxClassification: 'individual',
    exemptPayeeCode: null,
    tinType: 'ssn',
    tinLast4: tin.slice(-4),
    tinHash: tinHashOf(keys, details.tin),
    detailsEncrypted: encryptText(keys, JSON.stringify(details)),
    backupWithholding: false,
    signature: details.legalName,
    signedAt: new Date(),
    signerSession: null,
    signerIp: '127.0.0.1',
    signerUserAgent: 'test',
    expiresAt: null,
  };
  await insertTaxForm(ex, tenant, form);
  return form.id;
}
