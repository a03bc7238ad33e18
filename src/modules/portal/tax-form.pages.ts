import { escapeHtml as e } from '../../platform/html.js';
import {
  CLASSIFICATION_LABELS,
  type Certification,
  certificationOf,
  TAX_CLASSIFICATIONS,
  TAX_FORM_NAMES,
  type TaxForm,
  US_STATE_NAMES,
  W9_BACKUP_WITHHOLDING_ITEM,
} from '../tax-forms/index.js';
import { describeTaxForm, formatDay } from './format.js';
import { csrfField, portalPage } from './layout.js';
import { errorSummary, type FieldErrors, type OnboardingView, plain, stepTitle, type Values } from './onboarding.pages.js';

// The "Tax form" step: first the choice of form (W-9 or W-8BEN, a plain GET so the portal stays
// script-free), then that form with the SPEC's stable labels, the form's own certification text,
// the item-2 strike box (W-9), the typed signature and the certification box. TINs are never
// written back into a page: after a mistake they are typed again, like account numbers.

export type TaxFormKind = 'w9' | 'w8ben';

interface Common {
  errors: FieldErrors;
  values: Values;
}

/** A labelled input, its hint and its error tied to it for screen readers. */
function input(name: string, label: string, c: Common, attributes: string, options: { hint?: string; echo?: boolean } = {}): string {
  const error = c.errors[name];
  const described = [options.hint ? `${name}-hint` : '', error ? `${name}-error` : ''].filter(Boolean).join(' ');
  const value = options.echo === false ? undefined : c.values[name];
  return `<label>${e(label)}<input name="${name}" id="${name}" ${attributes}${value !== undefined ? ` value="${e(value)}"` : ''}${
    error ? ' aria-invalid="true"' : ''
  }${described ? ` aria-describedby="${described}"` : ''}></label>${options.hint ? `<div class="hint" id="${name}-hint">${e(options.hint)}</div>` : ''}${fieldError(name, c)}`;
}

function select(name: string, label: string, c: Common, choices: [string, string][], placeholder: string, attributes = ''): string {
  const error = c.errors[name];
  const current = c.values[name];
  const options = choices.map(([value, text]) => `<option value="${e(value)}"${current === value ? ' selected' : ''}>${e(text)}</option>`).join('');
  // A label *around* a select would name it with the chosen option too ("State Illinois"): `for` instead.
  return `<div class="field"><label for="${name}">${e(label)}</label><select name="${name}" id="${name}" ${attributes}${
    error ? ` aria-invalid="true" aria-describedby="${name}-error"` : ''
  }><option value="">${e(placeholder)}</option>${options}</select></div>${fieldError(name, c)}`;
}

function checkbox(name: string, label: string, c: Common, checked: boolean): string {
  const error = c.errors[name];
  return `<label class="check"><input type="checkbox" name="${name}" id="${name}" value="on"${checked ? ' checked' : ''}${
    error ? ` aria-invalid="true" aria-describedby="${name}-error"` : ''
  }>${e(label)}</label>${fieldError(name, c)}`;
}

const fieldError = (name: string, c: Common) => (c.errors[name] ? `<div class="field-error" id="${name}-error">${e(plain(c.errors[name]!))}</div>` : '');

function certificationBlock(cert: Certification, strikeBox: string): string {
  const items = cert.items
    .map(
      (item, i) =>
        `<li${cert === certificationOf('w9') && i === W9_BACKUP_WITHHOLDING_ITEM ? ' class="item-2"' : ''}>${e(item.text)}${
          item.subItems ? `<ul>${item.subItems.map((s) => `<li>${e(s)}</li>`).join('')}</ul>` : ''
        }</li>`,
    )
    .join('');
  return `<section class="cert" aria-labelledby="certification-title" data-testid="certification"><h2 id="certification-title">Certification</h2>
<p class="hint">${e(cert.form)} · ${e(cert.part)}</p><p>${e(cert.intro)}</p><ul class="${cert === certificationOf('w9') ? 'numbered' : 'bullets'}">${items}</ul>
${cert.after.map((p) => `<p class="small">${e(p)}</p>`).join('')}${strikeBox}</section>`;
}

function currentNotice(current: TaxForm | null, now: Date): string {
  return current ? `<div class="notice" role="status">Your tax form on file: ${e(describeTaxForm(current, now))}. Signing a new one replaces it.</div>` : '';
}

/** `/portal/tax-form`: which form to sign. */
export function taxFormChoicePage(
  v: OnboardingView,
  options: { current: TaxForm | null; onboarding: boolean; taxStep: boolean; error?: string; now: Date },
): string {
  const c: Common = { errors: options.error ? { formType: options.error } : {}, values: {} };
  const org = e(v.recipient.organizationName);
  return portalPage(
    shellOf(v, 'Your tax form'),
    `<p class="muted small">${e(stepTitle(3, options.onboarding, 'Tax form', options.taxStep))}</p><h1>Your tax form</h1>${currentNotice(options.current, options.now)}
<p>${org} must have a tax form from you before it can pay you. You sign it here; ${org} and you each get a copy.</p>
<div class="card"><form method="get" action="/portal/tax-form">${options.onboarding ? '<input type="hidden" name="onboarding" value="1">' : ''}
<fieldset class="choices"${c.errors.formType ? ' aria-describedby="formType-error"' : ''}><legend>Tax form</legend>
<label class="check"><input type="radio" name="form" value="w9" required aria-describedby="w9-hint">W-9</label>
<div class="hint" id="w9-hint">For US persons: US citizens and resident aliens (an ITIN counts as an SSN), and US businesses.</div>
<label class="check"><input type="radio" name="form" value="w8ben" required aria-describedby="w8ben-hint">W-8BEN</label>
<div class="hint" id="w8ben-hint">For individuals who are not US persons. (Businesses outside the US cannot sign here yet.)</div>
</fieldset>${fieldError('formType', c)}
<div class="actions"><button class="primary" type="submit">Continue</button></div></form></div>`,
  );
}

export interface TaxFormPageOptions {
  kind: TaxFormKind;
  current: TaxForm | null;
  onboarding: boolean;
  taxStep: boolean;
  values: Values;
  errors: FieldErrors;
  countries: { code: string; name: string }[];
  now: Date;
  /** A refusal that belongs to no field (the form moved on meanwhile). */
  error?: string;
}

/** `/portal/tax-form?form=w9|w8ben`: the form itself. */
export function taxFormPage(v: OnboardingView, o: TaxFormPageOptions): string {
  const c: Common = { errors: o.errors, values: o.values };
  const name = TAX_FORM_NAMES[o.kind];
  const fields = o.kind === 'w9' ? w9Fields(c) : w8benFields(c, o.countries);
  const strike =
    o.kind === 'w9'
      ? checkbox(
          'backupWithholding',
          'Cross out item 2: the IRS has notified me that I am currently subject to backup withholding',
          c,
          o.values.backupWithholding === 'on',
        )
      : '';
  return portalPage(
    shellOf(v, `Form ${name}`),
    `<p class="muted small">${e(stepTitle(3, o.onboarding, 'Tax form', o.taxStep))}</p><h1>Form ${e(name)}</h1>${currentNotice(o.current, o.now)}${
      o.error ? `<div class="error" role="alert">${e(o.error)}</div>` : errorSummary(o.errors)
    }
<p><a href="/portal/tax-form${o.onboarding ? '?onboarding=1' : ''}">Choose the other form</a></p>
<div class="card"><form method="post" action="/portal/tax-form" novalidate autocomplete="off">${csrfField(v.csrfToken)}
<input type="hidden" name="formType" value="${o.kind}"><input type="hidden" name="replaces" value="${e(o.current?.id ?? 'none')}">${
      o.onboarding ? '<input type="hidden" name="onboarding" value="1">' : ''
    }
${fields}
${certificationBlock(certificationOf(o.kind), strike)}
${input('signature', 'Signature', c, 'autocomplete="off" maxlength="200" required', { hint: `Type your full name. Date: ${formatDay(o.now)}.` })}
${checkbox('certify', 'I certify the statements above under penalties of perjury', c, false)}
<div class="actions"><button class="primary" type="submit">${o.onboarding ? 'Sign and continue' : 'Sign'}</button></div></form></div>`,
  );
}

function w9Fields(c: Common): string {
  const tinType = c.values.tinType;
  const classifications = TAX_CLASSIFICATIONS.map((value): [string, string] => [value, CLASSIFICATION_LABELS[value]]);
  return `${input('legalName', 'Legal name', c, 'autocomplete="name" maxlength="200" required', { hint: 'As shown on your income tax return. A sole proprietor enters their own name here.' })}
${input('businessName', 'Business name', c, 'autocomplete="organization" maxlength="200"', { hint: 'Business or disregarded entity name, if different. Required for an LLC.' })}
${select('taxClassification', 'Federal tax classification', c, classifications, 'Choose one', 'required')}
${input('otherClassification', 'Other classification', c, 'maxlength="200"', { hint: 'Only when you chose Other.' })}
${input('exemptPayeeCode', 'Exempt payee code (if any)', c, 'inputmode="numeric" maxlength="2"', { hint: 'Only certain entities, never individuals: see the W-9 instructions.' })}
${input('fatcaCode', 'Exemption from FATCA reporting code (if any)', c, 'maxlength="1"')}
${input('address', 'Address', c, 'autocomplete="street-address" maxlength="200" required', { hint: 'Number, street, and apartment or suite number.' })}
${input('city', 'City', c, 'autocomplete="address-level2" maxlength="200" required')}
${select(
  'state',
  'State',
  c,
  Object.entries(US_STATE_NAMES).map(([code, name]) => [code, name]),
  'Choose your state',
  'autocomplete="address-level1" required',
)}
${input('zip', 'ZIP code', c, 'autocomplete="postal-code" inputmode="numeric" maxlength="10" required')}
<fieldset class="choices"${c.errors.tinType ? ' aria-describedby="tinType-error"' : ''}><legend>TIN type</legend><div class="actions">
<label class="check"><input type="radio" name="tinType" value="ssn"${tinType !== 'ein' ? ' checked' : ''} required>SSN</label>
<label class="check"><input type="radio" name="tinType" value="ein"${tinType === 'ein' ? ' checked' : ''} required>EIN</label></div>
<div class="hint">An ITIN is entered as an SSN.</div></fieldset>${fieldError('tinType', c)}
${input('tin', 'Taxpayer identification number', c, 'inputmode="numeric" maxlength="11" autocomplete="off" required', { echo: false, hint: '9 digits; dashes are fine.' })}`;
}

function w8benFields(c: Common, countries: { code: string; name: string }[]): string {
  const list = countries.map((x): [string, string] => [x.code, x.name]);
  const foreign = list.filter(([code]) => code !== 'US');
  return `${input('legalName', 'Legal name', c, 'autocomplete="name" maxlength="200" required', { hint: 'The name of the individual who is the beneficial owner.' })}
${select('citizenshipCountry', 'Country of citizenship', c, foreign, 'Choose a country', 'required')}
<fieldset class="group"><legend>Permanent residence address (not a P.O. box)</legend>
${input('address', 'Address', c, 'autocomplete="street-address" maxlength="200" required')}
${input('city', 'City', c, 'autocomplete="address-level2" maxlength="200" required', { hint: 'City or town, and state or province.' })}
${input('postalCode', 'Postal code', c, 'autocomplete="postal-code" maxlength="20"')}
${select('country', 'Country', c, foreign, 'Choose a country', 'autocomplete="country" required')}</fieldset>
<fieldset class="group"><legend>Mailing address, if different</legend>
${input('mailingAddress', 'Mailing address', c, 'maxlength="200"')}
${input('mailingCity', 'Mailing city', c, 'maxlength="200"')}
${input('mailingPostalCode', 'Mailing postal code', c, 'maxlength="20"')}
${select('mailingCountry', 'Mailing country', c, list, 'Choose a country')}</fieldset>
${input('tin', 'Taxpayer identification number', c, 'inputmode="numeric" maxlength="11" autocomplete="off"', { echo: false, hint: 'Your US SSN or ITIN, if you have one. Leave empty otherwise.' })}
${input('foreignTin', 'Foreign tax identifying number', c, 'maxlength="50" autocomplete="off"', { echo: false, hint: 'The number your country of residence gave you for taxes.' })}
${checkbox('foreignTinNotRequired', 'My country does not legally require a foreign tax identifying number', c, c.values.foreignTinNotRequired === 'on')}
${input('dateOfBirth', 'Date of birth', c, 'type="date" autocomplete="bday" required')}
<fieldset class="group"><legend>Claim of tax treaty benefits, if any</legend>
${select('treatyCountry', 'Treaty country', c, foreign, 'No treaty claimed')}
${input('treatyArticle', 'Treaty article and paragraph', c, 'maxlength="50"')}
${input('treatyRate', 'Rate of withholding (%)', c, 'inputmode="decimal" maxlength="6"')}
${input('treatyIncomeType', 'Type of income', c, 'maxlength="100"')}</fieldset>`;
}

const shellOf = (v: OnboardingView, title: string) => ({
  title,
  organizationName: v.recipient.organizationName,
  environment: v.recipient.tenant.environment,
  csrfToken: v.csrfToken,
});
