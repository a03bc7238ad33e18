import type { Database } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import { acceptPayoutAsRecipient, declinePayoutAsRecipient } from '../payouts/index.js';
import {
  getRecipient,
  isCountryCode,
  maskPayoutMethod,
  type Recipient,
  type RecipientContext,
  setAutoAccept,
  setPayoutMethod,
  updateRecipientProfile,
  validatePayoutMethod,
} from '../recipients/index.js';
import { currentTaxFormOf, signTaxForm, type TaxForm, type TaxFormContext, validateTaxForm } from '../tax-forms/index.js';
import { describeTaxForm } from './format.js';
import type { FieldErrors, MissingStep, RecipientDetails } from './onboarding.pages.js';
import type { Form } from './portal.http.js';
import { type PortalSession, sessionReference } from './sessions.js';

// The recipient's own changes through the portal: each checks its form field by field (nothing is
// saved unless all pass) and calls the recipients and payouts modules with the session's tenant
// and recipient, never an id from the request.

export type Saved = { ok: true; recipient: Recipient } | { ok: false; errors: FieldErrors };

const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region' });
const LETTERS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
/** Every country the recipients module accepts, by English name. */
export const COUNTRIES = LETTERS.flatMap((a) => LETTERS.map((b) => a + b))
  .filter(isCountryCode)
  .map((code) => ({ code, name: REGION_NAMES.of(code) ?? code }))
  .sort((x, y) => x.name.localeCompare(y.name, 'en'));

export const recipientOf = (db: Database, session: PortalSession) => getRecipient(db, session.tenant, session.recipientId);

/** The recipient's current tax form, if any (superseded ones are history). */
export const taxFormOf = (db: Database, session: PortalSession) => currentTaxFormOf(db, session.tenant, session.recipientId);

/** Whether the sender still needs a (new) tax form: none on file, or the W-8BEN expired. */
export const needsTaxForm = (r: Recipient, form: TaxForm | undefined, now: Date) =>
  r.shouldCollectTaxInfo && (!form || (form.expiresAt !== null && form.expiresAt <= now));

/** The first onboarding step left: a payout method, then the tax form when the sender collects one. */
export function missingStep(r: Recipient, form: TaxForm | undefined, now: Date): MissingStep {
  if (!r.payoutMethod) return 'payout-method';
  return needsTaxForm(r, form, now) ? 'tax-form' : null;
}

export function detailsOf(r: Recipient, form: TaxForm | undefined, now: Date): RecipientDetails {
  const masked = maskPayoutMethod(r.payoutMethod);
  return {
    firstName: r.firstName,
    lastName: r.lastName,
    country: r.country ? (REGION_NAMES.of(r.country) ?? r.country) : null,
    method:
      masked && r.payoutMethod?.type === 'us_bank_account' && masked.type === 'us_bank_account'
        ? { ...masked, accountType: r.payoutMethod.accountType }
        : masked,
    autoAccept: r.autoAcceptPayouts,
    ready: r.ready,
    heldUntil: r.payoutsHeldUntil,
    taxForm:
      r.shouldCollectTaxInfo || form
        ? { current: form ? describeTaxForm(form, now) : null, needed: needsTaxForm(r, form, now), backupWithholding: form?.backupWithholding ?? false }
        : null,
  };
}

/** Step 1: name and country. */
export async function saveProfile(db: Database, session: PortalSession, form: Form): Promise<Saved> {
  const firstName = form.firstName?.trim() ?? '';
  const lastName = form.lastName?.trim() ?? '';
  const country = form.country?.trim().toUpperCase() ?? '';
  const errors: FieldErrors = {};
  if (!firstName || firstName.length > 200) errors.firstName = 'Enter your first name.';
  if (!lastName || lastName.length > 200) errors.lastName = 'Enter your last name.';
  if (!isCountryCode(country)) errors.country = 'Choose your country.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const recipient = await db.transaction((tx) => updateRecipientProfile(tx, session.tenant, session.recipientId, { firstName, lastName, country }));
  return { ok: true, recipient };
}

/** Step 2: the payout method, the account number typed twice. */
export async function saveMethod(db: Database, session: PortalSession, form: Form, ctx: RecipientContext): Promise<Saved> {
  const input =
    form.type === 'paypal'
      ? { type: 'paypal', email: form.email ?? '' }
      : {
          type: 'us_bank_account',
          accountHolderName: form.accountHolderName ?? '',
          accountHolderType: form.accountHolderType ?? '',
          routingNumber: (form.routingNumber ?? '').replace(/\s+/g, ''),
          accountNumber: (form.accountNumber ?? '').replace(/\s+/g, ''),
          accountType: form.accountType ?? '',
        };
  const checked = validatePayoutMethod(input);
  const errors: FieldErrors = {};
  if (!checked.ok) for (const error of checked.errors) errors[error.param] ??= error.message;
  if (input.type === 'us_bank_account' && !errors.accountNumber && (form.accountNumberConfirmation ?? '').replace(/\s+/g, '') !== input.accountNumber) {
    errors.accountNumberConfirmation = 'The two account numbers differ. Type the same account number twice.';
  }
  if (!checked.ok || Object.keys(errors).length > 0) return { ok: false, errors };
  const recipient = await db.transaction((tx) => setPayoutMethod(tx, session.tenant, session.recipientId, checked.value, { kind: 'recipient' }, ctx));
  return { ok: true, recipient };
}

/** Step 3: "Accept future payouts automatically". */
export const saveAutoAccept = (db: Database, session: PortalSession, on: boolean, ctx: RecipientContext) =>
  db.transaction((tx) => setAutoAccept(tx, session.tenant, session.recipientId, on, ctx));

export type TaxFormSaved = { ok: true; warnings: string[]; alreadySaved: boolean } | { ok: false; errors: FieldErrors };

export interface SignerContext {
  ip: string | null;
  userAgent: string | null;
  now: Date;
}

/**
 * Step 3: the tax form. Every field is checked first and nothing is signed unless all pass. Each
 * rendering names the form it would replace (`replaces`: the current form's id, or `none`), and
 * signTaxForm checks it under the recipient's lock: a rendering sent again after its form was
 * saved (a double click, a reload, the back button), even at the same instant, is answered with
 * the saved form instead of signing a second one.
 */
export async function saveTaxForm(db: Database, session: PortalSession, form: Form, signer: SignerContext, ctx: TaxFormContext): Promise<TaxFormSaved> {
  const replaces = form.replaces && form.replaces !== 'none' ? form.replaces : null;
  const current = await taxFormOf(db, session);
  if ((current?.id ?? null) !== replaces) return { ok: true, warnings: [], alreadySaved: true };
  const checked = validateTaxForm(form, signer.now);
  if (!checked.ok) return { ok: false, errors: checked.errors };
  const record = { signature: checked.signature, signedAt: signer.now, session: sessionReference(session), ip: signer.ip, userAgent: signer.userAgent };
  try {
    await signTaxForm(db, session.tenant, session.recipientId, checked.details, record, ctx, { replaces });
  } catch (error) {
    if (error instanceof AppError && error.code === 'conflict' && error.param === 'replaces') return { ok: true, warnings: [], alreadySaved: true };
    throw error;
  }
  return { ok: true, warnings: checked.warnings, alreadySaved: false };
}

export type Decision = { ok: true } | { ok: false; message: string };

/** Accept or Decline, for the session's own recipient only; a payout that moved on is a message, not a second move. */
export async function decide(db: Database, session: PortalSession, payoutId: string, decision: 'accept' | 'decline'): Promise<Decision> {
  try {
    await db.transaction((tx) =>
      decision === 'accept'
        ? acceptPayoutAsRecipient(tx, session.tenant, session.recipientId, payoutId)
        : declinePayoutAsRecipient(tx, session.tenant, session.recipientId, payoutId),
    );
    return { ok: true };
  } catch (error) {
    if (error instanceof AppError && error.code === 'invalid_state') return { ok: false, message: 'This payout has already moved on, so nothing was changed.' };
    throw error;
  }
}
