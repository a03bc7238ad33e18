import type { TaxFormType } from './tax-form.js';

// The forms' certification texts, word for word, because the IRS accepts an electronic or
// substitute form only when its certification says exactly what the official one says. The
// portal shows them above the signature and the PDFs print them; both read them from here. The
// sources: Form W-9 (Rev. March 2024), Part II; Form W-8BEN (Rev. October 2021), Part III.

export interface Certification {
  /** The form and revision the text comes from, e.g. "Form W-9 (Rev. March 2024)". */
  form: string;
  /** The part's title on the form. */
  part: string;
  /** The sentence before the list. */
  intro: string;
  /** The certified statements, in order; a statement with sub-items lists them under it. */
  items: { text: string; subItems?: string[] }[];
  /** What follows the list on the form. */
  after: string[];
}

export const W9_CERTIFICATION: Certification = {
  form: 'Form W-9 (Rev. March 2024)',
  part: 'Part II Certification',
  intro: 'Under penalties of perjury, I certify that:',
  items: [
    { text: '1. The number shown on this form is my correct taxpayer identification number (or I am waiting for a number to be issued to me); and' },
    {
      text: '2. I am not subject to backup withholding because (a) I am exempt from backup withholding, or (b) I have not been notified by the Internal Revenue Service (IRS) that I am subject to backup withholding as a result of a failure to report all interest or dividends, or (c) the IRS has notified me that I am no longer subject to backup withholding; and',
    },
    { text: '3. I am a U.S. citizen or other U.S. person (defined below); and' },
    { text: '4. The FATCA code(s) entered on this form (if any) indicating that I am exempt from FATCA reporting is correct.' },
  ],
  after: [
    'Certification instructions. You must cross out item 2 above if you have been notified by the IRS that you are currently subject to backup withholding because you have failed to report all interest and dividends on your tax return. For real estate transactions, item 2 does not apply. For mortgage interest paid, acquisition or abandonment of secured property, cancellation of debt, contributions to an individual retirement arrangement (IRA), and, generally, payments other than interest and dividends, you are not required to sign the certification, but you must provide your correct TIN. See the instructions for Part II, later.',
  ],
};

/** Index in W9_CERTIFICATION.items of the item a payee subject to backup withholding crosses out. */
export const W9_BACKUP_WITHHOLDING_ITEM = 1;

export const W8BEN_CERTIFICATION: Certification = {
  form: 'Form W-8BEN (Rev. October 2021)',
  part: 'Part III Certification',
  intro:
    'Under penalties of perjury, I declare that I have examined the information on this form and to the best of my knowledge and belief it is true, correct, and complete. I further certify under penalties of perjury that:',
  items: [
    {
      text: 'I am the individual that is the beneficial owner (or am authorized to sign for the individual that is the beneficial owner) of all the income or proceeds to which this form relates or am using this form to document myself for chapter 4 purposes;',
    },
    { text: 'The person named on line 1 of this form is not a U.S. person;' },
    {
      text: 'This form relates to:',
      subItems: [
        '(a) income not effectively connected with the conduct of a trade or business in the United States;',
        '(b) income effectively connected with the conduct of a trade or business in the United States but is not subject to tax under an applicable income tax treaty;',
        "(c) the partner's share of a partnership's effectively connected taxable income; or",
        "(d) the partner's amount realized from the transfer of a partnership interest subject to withholding under section 1446(f);",
      ],
    },
    {
      text: 'The person named on line 1 of this form is a resident of the treaty country listed on line 9 of the form (if any) within the meaning of the income tax treaty between the United States and that country; and',
    },
    { text: 'For broker transactions or barter exchanges, the beneficial owner is an exempt foreign person as defined in the instructions.' },
  ],
  after: [
    'Furthermore, I authorize this form to be provided to any withholding agent that has control, receipt, or custody of the income of which I am the beneficial owner or any withholding agent that can disburse or make payments of the income of which I am the beneficial owner. I agree that I will submit a new form within 30 days if any certification made on this form becomes incorrect.',
  ],
};

export const certificationOf = (formType: TaxFormType): Certification => (formType === 'w9' ? W9_CERTIFICATION : W8BEN_CERTIFICATION);

/** The whole text as plain lines (sub-items indented), for PDFs and emails. */
export function certificationLines(formType: TaxFormType): string[] {
  const c = certificationOf(formType);
  const bullet = formType === 'w8ben' ? '• ' : '';
  return [c.intro, ...c.items.flatMap((item) => [`${bullet}${item.text}`, ...(item.subItems ?? []).map((s) => `    ${s}`)]), ...c.after];
}

/** How people name each form. */
export const TAX_FORM_NAMES: Readonly<Record<TaxFormType, string>> = { w9: 'W-9', w8ben: 'W-8BEN' };
