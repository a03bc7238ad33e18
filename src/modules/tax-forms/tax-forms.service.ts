// Signing a tax form, and reading the stored forms back (masked) for the API. A TIN in clear exists
// only in the `details` handed to signTaxForm: it leaves as a sealed value, a keyed hash and its
// last 4, and is never logged or put in an error.

import { encryptText, type KeyRing, keyedHash } from '../../platform/crypto.js';
import type { Database, Executor } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import type { Page } from '../../platform/http/pagination.js';
import { isUuid, uuidv7 } from '../../platform/ids.js';
import { expiringLink, type LinkConfig } from '../../platform/links.js';
import type { Tenant } from '../../platform/tenant.js';
import { lockRecipientForChange, type Recipient, type RecipientHooks, setTaxFormState, type TaxFormState } from '../recipients/index.js';
import { publishEvents } from '../webhooks/index.js';
import type { SignerRecord, TaxForm, TaxFormDetails } from './tax-form.js';
import { queueTaxFormReceivedEmail } from './received-email.js';
import * as repo from './tax-forms.repository.js';

/** What signing needs besides the form: the key ring, the links' secret, and readiness's hooks (wired in app.ts). */
export interface TaxFormContext {
  encryptionKeys: KeyRing;
  links: LinkConfig;
  hooks: Pick<RecipientHooks, 'readinessChanged'>;
}

/** How long the `url` of `tax_form.created` (a signed link to the masked PDF) stays valid. */
export const TAX_FORM_LINK_DAYS = 7;
const DAY_MS = 24 * 3600 * 1000;

/** The path of a form's masked PDF behind a signed, expiring link (served by the PDF routes). */
export const taxFormLinkPath = (formId: string): string => `/links/tax-forms/${formId}.pdf`;

/**
 * When a W-8BEN signed at `signedAt` stops being valid. The IRS: valid "until the last day of the
 * third succeeding calendar year"; so a form signed on 2026-05-03 is good through 2029-12-31 and
 * expires at the first instant of 2030, 2030-01-01T00:00:00Z. UTC, like every stored instant: a
 * recipient far west of Greenwich loses readiness a few hours before its own midnight, never after.
 */
export const w8BenExpiresAt = (signedAt: Date): Date => new Date(Date.UTC(signedAt.getUTCFullYear() + 4, 0, 1));

/**
 * The keyed hash that groups payees by TIN (1099-NEC report) without decrypting: over the nine
 * digits alone, so a TIN typed with or without dashes matches. Everyone that hashes a TIN (signing,
 * re-encryption under a new key) must use this function.
 */
export const tinHashOf = (keys: KeyRing, tin: string): string => keyedHash(keys, digitsOf(tin));

const digitsOf = (tin: string): string => tin.replace(/\D/g, '');

/** The recipient's state once this form is current: struck item 2 holds payouts; an already past expiry counts as expired. */
function stateOf(details: TaxFormDetails, expiresAt: Date | null, now: Date): TaxFormState {
  if (details.formType === 'w9') return details.backupWithholding ? 'backup_withholding' : 'valid';
  return expiresAt !== null && expiresAt.getTime() <= now.getTime() ? 'expired' : 'valid';
}

/** The row signTaxForm stores for a form (details sealed, TIN as keyed hash and last 4); tests store fixtures with it too. */
export function newTaxFormRow(id: string, recipientId: string, details: TaxFormDetails, signer: SignerRecord, keys: KeyRing): repo.NewTaxForm {
  const tin = details.tin === null ? null : digitsOf(details.tin);
  const w9 = details.formType === 'w9' ? details : null;
  return {
    id,
    recipientId,
    formType: details.formType,
    legalName: details.legalName,
    businessName: w9?.businessName ?? null,
    taxClassification: w9?.taxClassification ?? null,
    exemptPayeeCode: w9?.exemptPayeeCode ?? null,
    // A W-8BEN's US TIN (line 5) is an SSN or ITIN, entered as an SSN.
    tinType: w9 ? w9.tinType : tin === null ? null : 'ssn',
    tinLast4: tin === null ? null : tin.slice(-4),
    tinHash: tin === null ? null : tinHashOf(keys, tin),
    detailsEncrypted: encryptText(keys, JSON.stringify(details)),
    backupWithholding: w9?.backupWithholding ?? false,
    signature: signer.signature,
    signedAt: signer.signedAt,
    signerSession: signer.session,
    signerIp: signer.ip,
    signerUserAgent: signer.userAgent,
    expiresAt: details.formType === 'w8ben' ? w8BenExpiresAt(signer.signedAt) : null,
  };
}

/** Karat's `tax_form.created` data: the form, who signed it, and a 7-day link to the masked PDF. */
function taxFormCreatedEvent(tenant: Tenant, form: TaxForm, recipient: Recipient, links: LinkConfig, now: Date) {
  return {
    id: uuidv7(),
    tenant,
    type: 'tax_form.created',
    payoutId: null,
    data: {
      id: form.id,
      recipient: { id: recipient.id, firstName: recipient.firstName, lastName: recipient.lastName, nickname: recipient.nickname },
      createdAt: form.createdAt.toISOString(),
      url: expiringLink(links, taxFormLinkPath(form.id), new Date(now.getTime() + TAX_FORM_LINK_DAYS * DAY_MS)),
    },
  };
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505';

/**
 * Records a signed W-9 or W-8BEN (`details` already validated by validateTaxForm) in one
 * transaction: under the recipient's row lock, the current form is superseded and the new one
 * inserted, the recipient's tax state and readiness follow, and `tax_form.created` is published.
 * Two submissions at once take turns on the lock, so each sees the other's result and exactly one
 * form is current at the end; nothing is saved unless everything is.
 */
export async function signTaxForm(
  db: Database,
  tenant: Tenant,
  recipientId: string,
  details: TaxFormDetails,
  signer: SignerRecord,
  ctx: TaxFormContext,
  options: { replaces?: string | null } = {},
): Promise<TaxForm> {
  try {
    return await db.transaction(async (tx) => {
      const recipient = await lockRecipientForChange(tx, tenant, recipientId);
      // The portal names the form its page would replace (null: none): a page sent twice (a
      // double click) finds the first one's form under this lock, and signs nothing more.
      if (options.replaces !== undefined && ((await repo.currentTaxForm(tx, tenant, recipient.id))?.id ?? null) !== options.replaces) {
        throw new AppError('conflict', 'This form was already signed and saved from the same page.', 'replaces');
      }
      const now = new Date();
      const id = uuidv7();
      const row = newTaxFormRow(id, recipient.id, details, signer, ctx.encryptionKeys);
      await repo.supersedeCurrentTaxForm(tx, tenant, recipient.id);
      await repo.insertTaxForm(tx, tenant, row);
      const form = (await repo.findTaxForm(tx, tenant, id))!;
      await setTaxFormState(tx, tenant, recipient.id, stateOf(details, row.expiresAt, now), { hooks: ctx.hooks });
      await publishEvents(tx, [taxFormCreatedEvent(tenant, form, recipient, ctx.links, now)]);
      // In this transaction, so the recipient's copy (masked PDF attached) goes out if and only if the form was saved.
      await queueTaxFormReceivedEmail(tx, tenant, form, details, ctx.encryptionKeys);
      return form;
    });
  } catch (error) {
    // The recipient lock makes this unreachable in normal operation; should a writer ever skip
    // it, the unique index still keeps one current form, and the loser gets a clear answer.
    if (isUniqueViolation(error)) {
      throw new AppError('conflict', 'Another tax form for this recipient was being saved at the same time. Reload the page to see it.', 'recipientId');
    }
    throw error;
  }
}

export async function getTaxForm(ex: Executor, tenant: Tenant, id: string): Promise<TaxForm> {
  const form = isUuid(id) ? await repo.findTaxForm(ex, tenant, id) : undefined;
  if (!form) throw notFound('tax form', 'id');
  return form;
}

/** One page of forms, newest first (limit + 1 rows); `recipientId` narrows to one recipient's forms, current and superseded. */
export async function listTaxFormsFor(ex: Executor, tenant: Tenant, page: Page, filter: { recipientId?: string } = {}): Promise<TaxForm[]> {
  if (filter.recipientId !== undefined && !isUuid(filter.recipientId)) return [];
  return repo.listTaxForms(ex, tenant, page, filter);
}

/** The recipient's current form, if any (the portal's and the dashboard's recipient pages). */
export async function currentTaxFormOf(ex: Executor, tenant: Tenant, recipientId: string): Promise<TaxForm | undefined> {
  return isUuid(recipientId) ? repo.currentTaxForm(ex, tenant, recipientId) : undefined;
}
