import { escapeHtml as e } from '../../platform/html.js';
import { dollars } from '../../platform/money.js';
import { formatTime } from './format.js';
import { csrfField, portalPage } from './layout.js';
import type { PayoutPage, PortalRecipient } from './portal.repository.js';

// The onboarding steps and the recipient's details, as pure functions of what they show. Each form
// carries the session's CSRF token; each mistake is shown on its own field (aria-invalid +
// aria-describedby), and account numbers are never written back into a page.

export type MaskedMethod = { type: 'us_bank_account'; last4: string; holderType: string; accountType?: string } | { type: 'paypal'; email: string };

export interface RecipientDetails {
  firstName: string | null;
  lastName: string | null;
  country: string | null;
  method: MaskedMethod | null;
  autoAccept: boolean;
  ready: boolean;
  heldUntil: Date | null;
  /** Present when the sender collects tax information or a form is on file. */
  taxForm: TaxFormSummary | null;
}

export interface TaxFormSummary {
  /** "W-9, TIN ending in 6789, signed 1 Dec 2026", or null when none is on file. */
  current: string | null;
  /** No valid form on file while the sender needs one (none yet, or the W-8BEN expired). */
  needed: boolean;
  /** The form on file has certification item 2 struck. */
  backupWithholding: boolean;
}

/** The first onboarding step still to do, if any. */
export type MissingStep = 'payout-method' | 'tax-form' | null;

export type FieldErrors = Record<string, string>;
export type Values = Record<string, string | undefined>;

export interface OnboardingView {
  recipient: PortalRecipient;
  csrfToken: string;
}
type Page = OnboardingView;

const shell = (p: Page, title: string) => ({
  title,
  organizationName: p.recipient.organizationName,
  environment: p.recipient.tenant.environment,
  csrfToken: p.csrfToken,
});

/** API messages quote values in backticks; people read them without. */
export const plain = (message: string) => message.replaceAll('`', '');

function field(name: string, label: string, errors: FieldErrors, attributes: string, value: string | undefined): string {
  const error = errors[name];
  const described = error ? ` aria-invalid="true" aria-describedby="${name}-error"` : '';
  return `<label>${e(label)}<input name="${name}" ${attributes}${value !== undefined ? ` value="${e(value)}"` : ''}${described}></label>${
    error ? `<div class="field-error" id="${name}-error">${e(plain(error))}</div>` : ''
  }`;
}

function choice(name: string, legend: string, options: [string, string][], checked: string | undefined, errors: FieldErrors): string {
  const error = errors[name];
  return `<fieldset${error ? ` aria-describedby="${name}-error"` : ''}><legend>${e(legend)}</legend><div class="actions">${options
    .map(
      ([value, label]) =>
        `<label class="check"><input type="radio" name="${name}" value="${e(value)}"${checked === value ? ' checked' : ''} required>${e(label)}</label>`,
    )
    .join('')}</div></fieldset>${error ? `<div class="field-error" id="${name}-error">${e(plain(error))}</div>` : ''}`;
}

export const errorSummary = (errors: FieldErrors) =>
  Object.keys(errors).length > 0 ? '<div class="error" role="alert">Please correct the fields marked below. Nothing was saved.</div>' : '';

/** "Step 2 of 4 · Payout method": 4 steps when the sender collects a tax form (step 3), otherwise 3. */
export const stepTitle = (step: number, onboarding: boolean, title: string, taxStep: boolean) =>
  onboarding ? `Step ${step} of ${taxStep ? 4 : 3} · ${title}` : title;

export function profilePage(
  p: Page,
  options: { countries: { code: string; name: string }[]; values: Values; errors: FieldErrors; onboarding: boolean; taxStep: boolean },
): string {
  const { values, errors } = options;
  const countryError = errors.country;
  const countries = options.countries.map((c) => `<option value="${e(c.code)}"${values.country === c.code ? ' selected' : ''}>${e(c.name)}</option>`).join('');
  return portalPage(
    shell(p, 'Your name and country'),
    `<p class="muted small">${e(stepTitle(1, options.onboarding, 'Your details', options.taxStep))}</p><h1>Your name and country</h1>${errorSummary(errors)}
<div class="card"><form method="post" action="/portal/profile" novalidate>${csrfField(p.csrfToken)}
${field('firstName', 'First name', errors, 'autocomplete="given-name" maxlength="200" required', values.firstName)}
${field('lastName', 'Last name', errors, 'autocomplete="family-name" maxlength="200" required', values.lastName)}
<label>Country<select name="country" autocomplete="country" required${countryError ? ' aria-invalid="true" aria-describedby="country-error"' : ''}><option value="">Choose your country</option>${countries}</select></label>
${countryError ? `<div class="field-error" id="country-error">${e(plain(countryError))}</div>` : ''}
<div class="actions"><button class="primary" type="submit">${options.onboarding ? 'Save and continue' : 'Save'}</button></div></form></div>`,
  );
}

export function methodPage(
  p: Page,
  options: {
    current: MaskedMethod | null;
    values: Values;
    errors: FieldErrors;
    form?: 'us_bank_account' | 'paypal';
    onboarding: boolean;
    taxStep: boolean;
    holdHours: number;
  },
): string {
  const bankErrors = options.form === 'us_bank_account' ? options.errors : {};
  const paypalErrors = options.form === 'paypal' ? options.errors : {};
  const v = options.values;
  const save = options.onboarding ? 'Save and continue' : 'Save';
  const replacing = options.current
    ? `<div class="notice" role="status">Your payout method now is ${e(describeMethod(options.current))}. Saving a new one replaces it; for your safety, ${
        options.holdHours > 0 ? `your payouts wait ${options.holdHours === 1 ? '1 hour' : `${options.holdHours} hours`} after a change and ` : ''
      }we email you about the change.</div>`
    : '';
  return portalPage(
    shell(p, 'How you want to be paid'),
    `<p class="muted small">${e(stepTitle(2, options.onboarding, 'Payout method', options.taxStep))}</p><h1>How you want to be paid</h1>${replacing}${errorSummary(options.errors)}
<h2>US bank account</h2>
<div class="card"><form method="post" action="/portal/payout-method" novalidate autocomplete="off">${csrfField(p.csrfToken)}<input type="hidden" name="type" value="us_bank_account">
${field('accountHolderName', 'Account holder name', bankErrors, 'autocomplete="name" maxlength="200" required', v.accountHolderName)}
${choice(
  'accountHolderType',
  'Account holder type',
  [
    ['individual', 'Individual'],
    ['business', 'Business'],
  ],
  v.accountHolderType ?? 'individual',
  bankErrors,
)}
${field('routingNumber', 'Routing number', bankErrors, 'inputmode="numeric" maxlength="9" required', v.routingNumber)}
${field('accountNumber', 'Account number', bankErrors, 'inputmode="numeric" maxlength="17" autocomplete="off" required', undefined)}
${field('accountNumberConfirmation', 'Confirm account number', bankErrors, 'inputmode="numeric" maxlength="17" autocomplete="off" required', undefined)}
${choice(
  'accountType',
  'Account type',
  [
    ['checking', 'Checking'],
    ['savings', 'Savings'],
  ],
  v.accountType ?? 'checking',
  bankErrors,
)}
<div class="actions"><button class="primary" type="submit">${save}</button></div></form></div>
<h2>PayPal</h2>
<div class="card"><form method="post" action="/portal/payout-method" novalidate>${csrfField(p.csrfToken)}<input type="hidden" name="type" value="paypal">
${field('email', 'PayPal email', paypalErrors, 'type="email" autocomplete="email" maxlength="320" required', options.form === 'paypal' ? v.email : undefined)}
<div class="actions"><button class="primary" type="submit">${save}</button></div></form></div>`,
  );
}

export function autoAcceptPage(p: Page, options: { on: boolean; onboarding: boolean; taxStep: boolean; notice?: string }): string {
  return portalPage(
    shell(p, 'Future payouts'),
    `${options.notice ? `<div class="notice" role="status">${e(options.notice)}</div>` : ''}<p class="muted small">${e(
      stepTitle(options.taxStep ? 4 : 3, options.onboarding, 'Future payouts', options.taxStep),
    )}</p><h1>Future payouts</h1>
<div class="card"><form method="post" action="/portal/auto-accept">${csrfField(p.csrfToken)}<input type="hidden" name="submitted" value="1">
<label class="check"><input type="checkbox" name="autoAccept" value="on"${options.on ? ' checked' : ''}>Accept future payouts automatically</label>
<p class="muted small">When this is on, new payouts from ${e(p.recipient.organizationName)} go straight to your payout method. When it is off, each one waits for you to accept it here.</p>
<div class="actions"><button class="primary" type="submit">${options.onboarding ? 'Finish' : 'Save'}</button></div></form></div>`,
  );
}

export const describeMethod = (m: MaskedMethod) =>
  m.type === 'us_bank_account' ? `a ${m.accountType ?? 'bank'} account ending in ${m.last4}` : `PayPal (${m.email})`;

/** The "Your details" card of the home page. */
export function detailsCard(d: RecipientDetails): string {
  const name = [d.firstName, d.lastName].filter(Boolean).join(' ');
  return `<h2>Your details</h2>
<div class="card" data-testid="details"><dl>
<dt>Name</dt><dd>${name ? e(name) : '<span class="muted">Not given</span>'}${d.country ? ` · ${e(d.country)}` : ''} <a href="/portal/profile">Change</a></dd>
<dt>Payout method</dt><dd>${d.method ? e(describeMethod(d.method)) : '<span class="muted">None yet</span>'} <a href="/portal/payout-method">${d.method ? 'Change' : 'Add'}</a>${
    d.heldUntil && d.heldUntil > new Date()
      ? `<br><span class="small muted">Changed recently: bank payouts wait until ${e(formatTime(d.heldUntil))}.</span>`
      : ''
  }</dd>
${d.taxForm ? taxFormRow(d.taxForm) : ''}
<dt>Future payouts</dt><dd>${d.autoAccept ? 'Accepted automatically' : 'Each waits for your accept'} <a href="/portal/auto-accept">Change</a></dd>
</dl></div>`;
}

function taxFormRow(t: TaxFormSummary): string {
  const warning = t.backupWithholding
    ? '<br><span class="small field-error">Item 2 of the certification is crossed out (backup withholding), which this sender cannot handle: your payouts are held. Contact the sender, or sign a new form if it no longer applies.</span>'
    : t.needed && t.current
      ? '<br><span class="small field-error">This form is no longer valid: sign a new one to get paid.</span>'
      : '';
  return `<dt>Tax form</dt><dd data-testid="tax-form">${t.current ? e(t.current) : '<span class="muted">None yet</span>'} <a href="/portal/tax-form">${
    t.current ? 'Sign a new one' : 'Sign'
  }</a>${warning}</dd>`;
}

/** What the home page says first while the recipient is not ready: the first step left. */
export const setupPrompt = (missing: MissingStep) =>
  missing === 'tax-form'
    ? `<div class="notice" role="status"><strong>Finish setting up to get paid.</strong> Sign your tax form. <a href="/portal/tax-form?onboarding=1">Sign it</a></div>`
    : `<div class="notice" role="status"><strong>Finish setting up to get paid.</strong> Tell us your name and how you want to be paid. <a href="/portal/profile">Start</a></div>`;

/** Accept / Decline on a waiting payout, each its own form with the CSRF token. */
export function decisionForms(payoutId: string, csrfToken: string, ready: boolean): string {
  return `<div class="card"><p>${
    ready
      ? 'Accept this payout to have it sent to your payout method, or decline it.'
      : 'Accept this payout, then tell us how you want to be paid: it is sent as soon as you are set up. Or decline it.'
  }</p><div class="actions">
<form method="post" action="/portal/payouts/${e(payoutId)}/accept">${csrfField(csrfToken)}<button class="primary" type="submit">Accept</button></form>
<form method="get" action="/portal/payouts/${e(payoutId)}/decline"><button class="danger" type="submit">Decline</button></form>
</div></div>`;
}

/** Declining cannot be undone: it gets a page of its own, with the button the SPEC names. */
export function declinePage(p: Page, payout: PayoutPage): string {
  const amount = dollars(Number(payout.amount));
  return portalPage(
    shell(p, 'Decline this payout?'),
    `<h1>Decline ${e(amount)} from ${e(payout.organizationName)}?</h1>
<div class="card"><p>${e(payout.description ?? 'This payout')} will be canceled and the money goes back to ${e(payout.organizationName)}. This cannot be undone.</p>
<div class="actions"><form method="post" action="/portal/payouts/${e(payout.id)}/decline">${csrfField(p.csrfToken)}<button class="danger" type="submit">Decline</button></form>
<a href="/portal/payouts/${e(payout.id)}">Keep it</a></div></div>`,
  );
}

/** What a finished step or decision says on the page it leads to, by a fixed key (never text from the URL). */
export const NOTICES: Record<string, string> = {
  profile: 'Your name and country are saved.',
  method: 'Your payout method is saved. We emailed you about the change.',
  'auto-accept': 'Your choice about future payouts is saved.',
  'tax-form': 'Your tax form is signed and saved. We email you a copy.',
  'tax-form-name':
    'Your tax form is signed and saved. We email you a copy. Note: the signature you typed differs from the legal name on the form; if that was a mistake, sign a new one.',
  'tax-form-already': 'This tax form was already signed and saved, so it was not signed twice.',
  accepted: 'You accepted this payout.',
  declined: 'You declined this payout. The money goes back to the sender.',
};
