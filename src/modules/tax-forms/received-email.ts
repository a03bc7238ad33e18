// The recipient's "tax form received" email, with the masked PDF of the form attached: queued in
// the signing transaction (signTaxForm calls it), so a form is never saved without its email nor
// an email sent for a form that was rolled back.

import type { KeyRing } from '../../platform/crypto.js';
import type { Executor } from '../../platform/db/database.js';
import type { Tenant } from '../../platform/tenant.js';
import { queueEmail } from '../emails/index.js';
import { findOrganization } from '../organizations/index.js';
import { getRecipient } from '../recipients/index.js';
import { renderTaxFormPdf } from './pdf.js';
import type { TaxForm, TaxFormDetails } from './tax-form.js';

const FORM_NAMES = { w9: 'W-9', w8ben: 'W-8BEN' } as const;

/** "May 3, 2026", in UTC: the day the signer record says. */
const signedOn = (date: Date) => date.toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });

/** Queues the email in the caller's transaction; answers its id. Once per form (dedupe key). */
export async function queueTaxFormReceivedEmail(tx: Executor, tenant: Tenant, form: TaxForm, details: TaxFormDetails, keys: KeyRing): Promise<string> {
  const recipient = await getRecipient(tx, tenant, form.recipientId);
  const organizationName = (await findOrganization(tx, tenant.organizationId))?.name ?? '';
  const pdf = await renderTaxFormPdf(form, details, { masked: true, organizationName });
  const formName = FORM_NAMES[form.formType];
  return queueEmail(tx, tenant, {
    recipientId: recipient.id,
    to: recipient.email,
    template: 'tax_form_received',
    data: { organizationName, recipientId: recipient.id, formName, signedOn: signedOn(form.signer.signedAt) },
    dedupeKey: `tax_form_received:${form.id}`,
    attachments: { keys, files: [{ filename: `Form ${formName} (TIN masked).pdf`, contentType: 'application/pdf', content: pdf }] },
  });
}
