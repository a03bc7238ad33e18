import { isCountryCode } from '../recipients/index.js';
import { TAX_CLASSIFICATIONS, type TaxClassification, type TaxFormDetails, type W8BenDetails, type W9Details } from './tax-form.js';
import { US_STATES } from './us-states.js';

// The portal's tax form, checked field by field: each mistake is keyed by the field's HTML name
// (the page shows it on that field) and nothing is returned to sign unless every field passes.
// A signature that differs from the legal name is a warning, not an error: the IRS asks for a
// signature, and people sign with middle names, initials or accents the name line lacks.

export type TaxFormInput = Record<string, string | undefined>;
export type TaxFormValidation = { ok: true; details: TaxFormDetails; signature: string; warnings: string[] } | { ok: false; errors: Record<string, string> };

const MAX_TEXT = 200;

/** Digits only: people type TINs with dashes or spaces (123-45-6789, 12 3456789). */
export const tinDigits = (value: string) => value.replace(/[\s-]+/g, '');

/**
 * An SSN as the SSA issues them: area not 000 or 666, group not 00, serial not 0000. Areas 900–999
 * are never SSNs but ITINs, which the W-9 takes in the SSN box: accepted with an ITIN's group
 * (middle digits 50–65, 70–88, 90–92, 94–99).
 */
export function isValidSsnOrItin(tin: string): boolean {
  if (!/^\d{9}$/.test(tin)) return false;
  const area = Number(tin.slice(0, 3));
  const group = Number(tin.slice(3, 5));
  const serial = Number(tin.slice(5));
  if (group === 0 || serial === 0) return false;
  if (area >= 900) return (group >= 50 && group <= 65) || (group >= 70 && group <= 88) || (group >= 90 && group <= 92) || group >= 94;
  return area !== 0 && area !== 666;
}

/** EIN prefixes the IRS assigns (its published list of valid campus and internet prefixes). */
const EIN_PREFIXES = new Set(
  [
    [1, 6],
    [10, 16],
    [20, 27],
    [30, 48],
    [50, 68],
    [71, 77],
    [80, 88],
    [90, 95],
    [98, 99],
  ].flatMap(([from, to]) => Array.from({ length: to! - from! + 1 }, (_, i) => from! + i)),
);

export const isValidEin = (tin: string) => /^\d{9}$/.test(tin) && EIN_PREFIXES.has(Number(tin.slice(0, 2)));

/** A real calendar date written YYYY-MM-DD (no 2025-02-30), as a UTC midnight. */
function parseDate(value: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value ? date : undefined;
}

/** Names compared as people write them: case, accents, punctuation and spacing do not count. */
const comparableName = (name: string) =>
  name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

const CLASSIFICATIONS = new Set<string>(TAX_CLASSIFICATIONS);
const LLC_CLASSIFICATIONS = new Set<TaxClassification>(['llc_c', 'llc_s', 'llc_p']);

export function validateTaxForm(form: TaxFormInput, today: Date): TaxFormValidation {
  const errors: Record<string, string> = {};
  const text = (name: string) => (form[name] ?? '').trim().replace(/\s+/g, ' ');
  const optional = (name: string) => text(name) || null;
  const required = (name: string, message: string, max = MAX_TEXT) => {
    const value = text(name);
    if (!value) errors[name] = message;
    else if (value.length > max) errors[name] = `Use at most ${max} characters.`;
    return value;
  };
  const limited = (name: string, max = MAX_TEXT) => {
    const value = optional(name);
    if (value && value.length > max) errors[name] = `Use at most ${max} characters.`;
    return value;
  };
  const country = (name: string, message: string) => {
    const value = text(name).toUpperCase();
    if (!isCountryCode(value)) errors[name] = message;
    return value;
  };

  const formType = form.formType;
  if (formType !== 'w9' && formType !== 'w8ben') return { ok: false, errors: { formType: 'Choose the W-9 or the W-8BEN.' } };

  const legalName = required('legalName', formType === 'w9' ? 'Enter the name on your tax return.' : 'Enter your full name.');
  let details: TaxFormDetails;
  if (formType === 'w9') {
    details = w9(form, { legalName, text, optional, required, limited, errors });
  } else {
    details = w8ben(form, today, { legalName, text, optional, required, limited, country, errors });
  }

  const signature = required('signature', 'Type your full name as your signature.');
  if (form.certify !== 'on') errors.certify = 'Check this box to certify the statements above under penalties of perjury.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const warnings: string[] = [];
  if (comparableName(signature) !== comparableName(legalName)) {
    warnings.push(`The signature "${signature}" differs from the legal name "${legalName}". If that is not your own name as you sign it, sign a new form.`);
  }
  return { ok: true, details, signature, warnings };
}

interface Helpers {
  legalName: string;
  text: (name: string) => string;
  optional: (name: string) => string | null;
  required: (name: string, message: string, max?: number) => string;
  limited: (name: string, max?: number) => string | null;
  errors: Record<string, string>;
}

function w9(form: TaxFormInput, h: Helpers): W9Details {
  const { errors } = h;
  const classification = h.text('taxClassification');
  if (!CLASSIFICATIONS.has(classification)) errors.taxClassification = 'Choose your federal tax classification.';
  const taxClassification = classification as TaxClassification;
  const otherClassification = taxClassification === 'other' ? h.required('otherClassification', 'Say which classification applies.') : null;
  const businessName = LLC_CLASSIFICATIONS.has(taxClassification) ? h.required('businessName', "Enter the LLC's name.") : h.limited('businessName');

  const exemptPayeeCode = h.optional('exemptPayeeCode');
  if (exemptPayeeCode !== null) {
    if (!/^([1-9]|1[0-3])$/.test(exemptPayeeCode)) errors.exemptPayeeCode = 'An exempt payee code is a number from 1 to 13.';
    else if (taxClassification === 'individual') errors.exemptPayeeCode = 'Exemption codes apply only to certain entities, not to individuals.';
  }
  const fatca = h.optional('fatcaCode')?.toUpperCase() ?? null;
  if (fatca !== null && !/^[A-M]$/.test(fatca)) errors.fatcaCode = 'A FATCA exemption code is one letter from A to M.';

  const address = h.required('address', 'Enter your street address.');
  const city = h.required('city', 'Enter your city.');
  const state = h.text('state').toUpperCase();
  if (!US_STATES.has(state)) errors.state = 'Choose your state.';
  const zipInput = h.text('zip').replace(/\s+/g, '');
  const zipMatch = /^(\d{5})(?:-?(\d{4}))?$/.exec(zipInput);
  if (!zipMatch) errors.zip = 'Enter a ZIP code of 5 digits, or 5 and 4 (12345-6789).';
  const zip = zipMatch ? (zipMatch[2] ? `${zipMatch[1]}-${zipMatch[2]}` : zipMatch[1]!) : '';

  const tinType = h.text('tinType');
  if (tinType !== 'ssn' && tinType !== 'ein') errors.tinType = 'Choose SSN or EIN.';
  const tin = tinDigits(form.tin ?? '');
  if (!tin) errors.tin = 'Enter your taxpayer identification number.';
  else if (!/^\d{9}$/.test(tin)) errors.tin = 'A taxpayer identification number has 9 digits.';
  else if (tinType === 'ssn' && !isValidSsnOrItin(tin)) errors.tin = 'This is not a valid SSN or ITIN. Check the number.';
  else if (tinType === 'ein' && !isValidEin(tin)) errors.tin = 'This is not a valid EIN: the IRS never issues one starting with these two digits.';

  return {
    formType: 'w9',
    legalName: h.legalName,
    businessName,
    taxClassification,
    otherClassification,
    exemptPayeeCode,
    fatcaCode: fatca,
    address,
    city,
    state,
    zip,
    tinType: tinType as 'ssn' | 'ein',
    tin,
    backupWithholding: form.backupWithholding === 'on',
  };
}

function w8ben(form: TaxFormInput, today: Date, h: Helpers & { country: (name: string, message: string) => string }): W8BenDetails {
  const { errors } = h;
  const citizenshipCountry = h.country('citizenshipCountry', 'Choose your country of citizenship.');
  if (citizenshipCountry === 'US') errors.citizenshipCountry = 'US citizens sign a W-9, not a W-8BEN.';

  const address = h.required('address', 'Enter the street address where you live (not a P.O. box).');
  const city = h.required('city', 'Enter your city or town.');
  const postalCode = h.limited('postalCode', 20);
  const country = h.country('country', 'Choose the country where you live.');
  if (country === 'US') errors.country = 'Residents of the United States sign a W-9, not a W-8BEN.';

  // A mailing address is optional, but one given is given whole.
  const mailingGiven = ['mailingAddress', 'mailingCity', 'mailingPostalCode', 'mailingCountry'].some((name) => h.text(name) !== '');
  const mailingAddress = mailingGiven ? h.required('mailingAddress', 'Enter the mailing street address, or leave the mailing address empty.') : null;
  const mailingCity = mailingGiven ? h.required('mailingCity', 'Enter the mailing city.') : null;
  const mailingPostalCode = mailingGiven ? h.limited('mailingPostalCode', 20) : null;
  const mailingCountry = mailingGiven ? h.country('mailingCountry', 'Choose the mailing country.') : null;

  const tinInput = tinDigits(form.tin ?? '');
  if (tinInput && !isValidSsnOrItin(tinInput))
    errors.tin = 'A US taxpayer identification number (SSN or ITIN) has 9 valid digits. Leave it empty if you have none.';

  const foreignTin = h.limited('foreignTin', 50);
  const foreignTinNotRequired = form.foreignTinNotRequired === 'on';
  if (!foreignTin && !foreignTinNotRequired) {
    errors.foreignTin = 'Enter your foreign tax identifying number, or check that your country does not require one.';
  } else if (foreignTin && foreignTinNotRequired) {
    errors.foreignTinNotRequired = 'You entered a foreign tax identifying number: uncheck this box, or clear the number.';
  }

  const dob = h.text('dateOfBirth');
  const born = parseDate(dob);
  if (!dob) errors.dateOfBirth = 'Enter your date of birth.';
  else if (!born) errors.dateOfBirth = 'Enter a real date as YYYY-MM-DD.';
  else if (born.getTime() < Date.UTC(1900, 0, 1)) errors.dateOfBirth = 'Enter a date of birth after 1900.';
  else if (dob > today.toISOString().slice(0, 10)) errors.dateOfBirth = 'A date of birth cannot be in the future.';

  // Part II: a treaty claim names its country; special rates name article, rate and income together.
  const treatyCountryInput = h.text('treatyCountry').toUpperCase();
  const treatyArticle = h.limited('treatyArticle', 50);
  const treatyRate = h.optional('treatyRate')?.replace(/%$/, '').trim() ?? null;
  const treatyIncomeType = h.limited('treatyIncomeType', 100);
  const rateGiven = treatyArticle !== null || treatyRate !== null || treatyIncomeType !== null;
  let treatyCountry: string | null = null;
  if (treatyCountryInput || rateGiven) {
    treatyCountry = h.country('treatyCountry', 'Choose the treaty country (where you are a resident for tax purposes).');
    if (treatyCountry === 'US') errors.treatyCountry = 'The treaty country is your own country of residence, not the United States.';
  }
  if (rateGiven) {
    if (!treatyArticle) errors.treatyArticle = 'Enter the treaty article and paragraph you claim.';
    if (treatyRate === null) errors.treatyRate = 'Enter the withholding rate you claim, in percent.';
    else if (!/^\d{1,2}(\.\d{1,2})?$/.test(treatyRate) || Number(treatyRate) > 30) errors.treatyRate = 'Enter a rate from 0 to 30 percent.';
    if (!treatyIncomeType) errors.treatyIncomeType = 'Enter the type of income the rate applies to.';
  }

  return {
    formType: 'w8ben',
    legalName: h.legalName,
    citizenshipCountry,
    address,
    city,
    postalCode,
    country,
    mailingAddress,
    mailingCity,
    mailingPostalCode,
    mailingCountry,
    tin: tinInput || null,
    foreignTin,
    foreignTinNotRequired,
    dateOfBirth: dob,
    treatyCountry,
    treatyArticle,
    treatyRate,
    treatyIncomeType,
  };
}
