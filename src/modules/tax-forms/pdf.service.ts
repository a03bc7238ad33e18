// The PDFs of signed forms, rendered on demand from the sealed details: the masked copy for API
// keys, the dashboard, signed links and the recipient's email; the filing copy (full TIN) for
// admins only, each download recorded in the same transaction that reads the details.

import type { Database, Executor } from '../../platform/db/database.js';
import { type KeyRing, decryptText } from '../../platform/crypto.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { isUuid } from '../../platform/ids.js';
import { checkExpiringLink } from '../../platform/links.js';
import type { Tenant } from '../../platform/tenant.js';
import { findOrganization } from '../organizations/index.js';
import { insertSensitiveDownload } from './downloads.repository.js';
import { renderTaxFormPdf } from './pdf.js';
import { findTaxFormTenant } from './pdf.repository.js';
import type { TaxForm, TaxFormDetails } from './tax-form.js';
import { findTaxForm, sealedDetailsOf } from './tax-forms.repository.js';
import { taxFormLinkPath } from './tax-forms.service.js';

export interface TaxFormPdf {
  form: TaxForm;
  bytes: Uint8Array;
}

async function render(ex: Executor, tenant: Tenant, keys: KeyRing, id: string, masked: boolean): Promise<TaxFormPdf> {
  const form = isUuid(id) ? await findTaxForm(ex, tenant, id) : undefined;
  const sealed = form && (await sealedDetailsOf(ex, tenant, form.id));
  if (!form || !sealed) throw notFound('tax form', 'id');
  const details = JSON.parse(decryptText(keys, sealed)) as TaxFormDetails;
  const organization = await findOrganization(ex, tenant.organizationId);
  return { form, bytes: await renderTaxFormPdf(form, details, { masked, organizationName: organization?.name ?? '' }) };
}

/** The masked copy: TIN as its last 4, date of birth hidden. */
export const maskedTaxFormPdf = (ex: Executor, tenant: Tenant, keys: KeyRing, id: string) => render(ex, tenant, keys, id, true);

/** The filing copy with the full TIN, recorded as downloaded by `userId` in the transaction that reads it. */
export async function filingCopyPdf(db: Database, tenant: Tenant, keys: KeyRing, id: string, userId: string): Promise<TaxFormPdf> {
  return db.transaction(async (tx) => {
    const pdf = await render(tx, tenant, keys, id, false);
    await insertSensitiveDownload(tx, tenant, { userId, kind: 'tax_form_filing_copy', subject: pdf.form.id });
    return pdf;
  });
}

/**
 * The masked copy behind a signed link (`/links/tax-forms/<id>.pdf?expires&signature`): a link
 * whose signature does not match, or that is past its expiry, is refused (403) before any read.
 */
export async function linkedTaxFormPdf(
  db: Database,
  linkSecret: string,
  keys: KeyRing,
  id: string,
  query: { expires?: string; signature?: string },
  now = new Date(),
): Promise<TaxFormPdf> {
  const check = checkExpiringLink(linkSecret, taxFormLinkPath(id), query.expires, query.signature, now);
  if (check === 'expired') throw new AppError('forbidden', 'This link has expired. Ask the sender for a new one.');
  if (check !== 'valid') throw new AppError('forbidden', 'This link is not valid.');
  const tenant = isUuid(id) ? await findTaxFormTenant(db, id) : undefined;
  if (!tenant) throw notFound('tax form', 'id');
  return maskedTaxFormPdf(db, tenant, keys, id);
}
