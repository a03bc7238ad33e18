// What a signed tax form holds. `TaxFormDetails` is everything the recipient typed, sealed whole
// (platform/crypto) in `tax_forms.details_encrypted`; `TaxForm` is a stored form as the rest of
// the service reads it, with the TIN reduced to its last 4.

export type TaxFormType = 'w9' | 'w8ben';

/** W-9 line 3a. The LLC variants carry the LLC's tax classification (C, S or partnership). */
export const TAX_CLASSIFICATIONS = ['individual', 'c_corporation', 's_corporation', 'partnership', 'trust_estate', 'llc_c', 'llc_s', 'llc_p', 'other'] as const;
export type TaxClassification = (typeof TAX_CLASSIFICATIONS)[number];

/** How the portal, the PDFs and the dashboard name each classification (the form's own words). */
export const CLASSIFICATION_LABELS: Readonly<Record<TaxClassification, string>> = {
  individual: 'Individual/sole proprietor',
  c_corporation: 'C corporation',
  s_corporation: 'S corporation',
  partnership: 'Partnership',
  trust_estate: 'Trust/estate',
  llc_c: 'LLC taxed as a C corporation',
  llc_s: 'LLC taxed as an S corporation',
  llc_p: 'LLC taxed as a partnership',
  other: 'Other',
};

/** Classifications the 1099-NEC report leaves out (corporations, including LLCs taxed as one). */
export const CORPORATE_CLASSIFICATIONS: readonly TaxClassification[] = ['c_corporation', 's_corporation', 'llc_c', 'llc_s'];

export interface W9Details {
  formType: 'w9';
  /** Line 1: the name on the tax return. */
  legalName: string;
  /** Line 2: business name or disregarded entity name. */
  businessName: string | null;
  taxClassification: TaxClassification;
  /** When the classification is `other`: what it is. */
  otherClassification: string | null;
  /** Line 4: exempt payee code (1–13) and FATCA exemption code (A–M). */
  exemptPayeeCode: string | null;
  fatcaCode: string | null;
  /** Lines 5–6. */
  address: string;
  city: string;
  state: string;
  zip: string;
  /** Part I: an ITIN is entered as an SSN. Nine digits, no dashes. */
  tinType: 'ssn' | 'ein';
  tin: string;
  /** Certification item 2 struck: the payee is subject to backup withholding. */
  backupWithholding: boolean;
}

export interface W8BenDetails {
  formType: 'w8ben';
  /** Line 1: name of the individual who is the beneficial owner. */
  legalName: string;
  /** Line 2: ISO 3166-1 alpha-2. */
  citizenshipCountry: string;
  /** Line 3: permanent residence address (not a P.O. box). */
  address: string;
  city: string;
  postalCode: string | null;
  country: string;
  /** Line 4: mailing address, when different. */
  mailingAddress: string | null;
  mailingCity: string | null;
  mailingPostalCode: string | null;
  mailingCountry: string | null;
  /** Line 5: US TIN (SSN or ITIN), if any. Nine digits. */
  tin: string | null;
  /** Line 6a, or 6b checked: no foreign TIN is required. */
  foreignTin: string | null;
  foreignTinNotRequired: boolean;
  /** Line 8: YYYY-MM-DD. */
  dateOfBirth: string;
  /** Part II, when a treaty benefit is claimed. */
  treatyCountry: string | null;
  treatyArticle: string | null;
  treatyRate: string | null;
  treatyIncomeType: string | null;
}

export type TaxFormDetails = W9Details | W8BenDetails;

/** The signer record the IRS rules for electronic forms ask for. */
export interface SignerRecord {
  /** The typed name. */
  signature: string;
  signedAt: Date;
  /** The portal session's id (not its cookie). */
  session: string | null;
  ip: string | null;
  userAgent: string | null;
}

/** A stored form, as lists and the report read it: the TIN only as its last 4. */
export interface TaxForm {
  id: string;
  recipientId: string;
  formType: TaxFormType;
  legalName: string;
  businessName: string | null;
  taxClassification: TaxClassification | null;
  exemptPayeeCode: string | null;
  tinType: 'ssn' | 'ein' | null;
  tinLast4: string | null;
  backupWithholding: boolean;
  signer: SignerRecord;
  expiresAt: Date | null;
  supersededAt: Date | null;
  createdAt: Date;
}
