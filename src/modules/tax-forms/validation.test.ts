import { describe, expect, it } from 'vitest';
import { certificationLines, W8BEN_CERTIFICATION, W9_BACKUP_WITHHOLDING_ITEM, W9_CERTIFICATION } from './certification.js';
import { isValidEin, isValidSsnOrItin, validateTaxForm } from './validation.js';

const TODAY = new Date('2026-05-03T12:00:00Z');

const W9 = {
  formType: 'w9',
  legalName: 'Ana Lima',
  businessName: '',
  taxClassification: 'individual',
  address: '12 Main St, Apt 4',
  city: 'Springfield',
  state: 'IL',
  zip: '62701',
  tinType: 'ssn',
  tin: '123-45-6789',
  signature: 'Ana Lima',
  certify: 'on',
};

const W8BEN = {
  formType: 'w8ben',
  legalName: 'Bruno Costa',
  citizenshipCountry: 'BR',
  address: 'Rua das Flores 10',
  city: 'Porto Alegre',
  postalCode: '90000-000',
  country: 'BR',
  foreignTin: '123.456.789-09',
  dateOfBirth: '1990-07-14',
  signature: 'Bruno Costa',
  certify: 'on',
};

const errorsOf = (form: Record<string, string | undefined>) => {
  const result = validateTaxForm(form, TODAY);
  return result.ok ? {} : result.errors;
};

describe('validateTaxForm: W-9', () => {
  it('accepts a complete form, TIN without dashes, item 2 not struck', () => {
    const result = validateTaxForm(W9, TODAY);
    expect(result).toEqual({
      ok: true,
      signature: 'Ana Lima',
      warnings: [],
      details: {
        formType: 'w9',
        legalName: 'Ana Lima',
        businessName: null,
        taxClassification: 'individual',
        otherClassification: null,
        exemptPayeeCode: null,
        fatcaCode: null,
        address: '12 Main St, Apt 4',
        city: 'Springfield',
        state: 'IL',
        zip: '62701',
        tinType: 'ssn',
        tin: '123456789',
        backupWithholding: false,
      },
    });
  });

  it('takes spaces in TINs and ZIP+4 with or without its dash; a struck item 2 is recorded', () => {
    const result = validateTaxForm({ ...W9, tin: ' 123 45 6789 ', zip: '627011234', backupWithholding: 'on' }, TODAY);
    expect(result.ok && result.details).toMatchObject({ tin: '123456789', zip: '62701-1234', backupWithholding: true });
    const dashed = validateTaxForm({ ...W9, zip: '62701-1234' }, TODAY);
    expect(dashed.ok && dashed.details).toMatchObject({ zip: '62701-1234' });
  });

  it.each([
    ['000-12-3456', 'area 000'],
    ['666-12-3456', 'area 666'],
    ['123-00-4567', 'group 00'],
    ['123-45-0000', 'serial 0000'],
    ['900-12-3456', 'a 9xx area without an ITIN group'],
    ['912-93-4567', 'ITIN group 93 is not issued'],
    ['12345678', 'eight digits'],
    ['1234567890', 'ten digits'],
    ['12345678a', 'a letter'],
  ])('refuses the SSN %s (%s) on the TIN field', (tin) => {
    expect(Object.keys(errorsOf({ ...W9, tin }))).toEqual(['tin']);
  });

  it('accepts ITINs (9xx with an ITIN group) entered as an SSN', () => {
    for (const tin of ['912-50-1234', '912-65-1234', '912-70-1234', '912-88-1234', '912-90-1234', '912-92-1234', '912-94-1234', '999-99-9999']) {
      expect(errorsOf({ ...W9, tin }), tin).toEqual({});
    }
    expect(isValidSsnOrItin('912891234')).toBe(false);
    expect(isValidSsnOrItin('912661234')).toBe(false);
  });

  it('checks EIN prefixes against the IRS list', () => {
    for (const tin of ['01-2345678', '27-1234567', '47-1234567', '98-7654321'])
      expect(errorsOf({ ...W9, taxClassification: 'c_corporation', tinType: 'ein', tin }), tin).toEqual({});
    for (const prefix of ['00', '07', '08', '09', '17', '18', '19', '28', '29', '49', '69', '70', '78', '79', '89', '96', '97']) {
      expect(isValidEin(`${prefix}1234567`), prefix).toBe(false);
    }
    expect(errorsOf({ ...W9, tinType: 'ein', tin: '07-1234567' }).tin).toMatch(/not a valid EIN/);
  });

  it('puts each missing or wrong field on its own name', () => {
    const errors = errorsOf({ formType: 'w9', tinType: 'itin', taxClassification: 'sole', state: 'XX', zip: '1234' });
    expect(Object.keys(errors).sort()).toEqual(
      ['address', 'certify', 'city', 'legalName', 'signature', 'state', 'taxClassification', 'tin', 'tinType', 'zip'].sort(),
    );
  });

  it('asks for "other" classification text and an LLC business name', () => {
    expect(Object.keys(errorsOf({ ...W9, taxClassification: 'other' }))).toEqual(['otherClassification']);
    expect(errorsOf({ ...W9, taxClassification: 'other', otherClassification: 'Cooperative' })).toEqual({});
    expect(Object.keys(errorsOf({ ...W9, taxClassification: 'llc_p' }))).toEqual(['businessName']);
    const llc = validateTaxForm({ ...W9, taxClassification: 'llc_s', businessName: 'Lima Design LLC', tinType: 'ein', tin: '12-3456789' }, TODAY);
    expect(llc.ok && llc.details).toMatchObject({ taxClassification: 'llc_s', businessName: 'Lima Design LLC', tinType: 'ein' });
  });

  it('checks exemption codes: payee 1–13 (not for individuals), FATCA A–M', () => {
    const corp = { ...W9, taxClassification: 'c_corporation', tinType: 'ein', tin: '12-3456789' };
    const ok = validateTaxForm({ ...corp, exemptPayeeCode: '5', fatcaCode: 'c' }, TODAY);
    expect(ok.ok && ok.details).toMatchObject({ exemptPayeeCode: '5', fatcaCode: 'C' });
    expect(Object.keys(errorsOf({ ...corp, exemptPayeeCode: '14', fatcaCode: 'N' })).sort()).toEqual(['exemptPayeeCode', 'fatcaCode']);
    expect(errorsOf({ ...W9, exemptPayeeCode: '5' }).exemptPayeeCode).toMatch(/not to individuals/);
  });

  it('takes the states, DC and territories by USPS code, nothing else', () => {
    for (const state of ['CA', 'dc', 'PR', 'GU', 'VI', 'AS', 'MP', 'AE']) expect(errorsOf({ ...W9, state }), state).toEqual({});
    for (const state of ['', 'ZZ', 'Illinois', 'UK']) expect(Object.keys(errorsOf({ ...W9, state })), state).toEqual(['state']);
  });

  it('missing certification is an error; a signature unlike the name is a warning only', () => {
    expect(errorsOf({ ...W9, certify: undefined }).certify).toBe('Check this box to certify the statements above under penalties of perjury.');
    expect(errorsOf({ ...W9, certify: 'yes' }).certify).toBeDefined();
    const differs = validateTaxForm({ ...W9, signature: 'John Smith' }, TODAY);
    expect(differs.ok).toBe(true);
    expect(differs.ok && differs.warnings).toEqual([
      'The signature "John Smith" differs from the legal name "Ana Lima". If that is not your own name as you sign it, sign a new form.',
    ]);
    const sameName = validateTaxForm({ ...W9, legalName: 'José  Álvarez-Núñez', signature: 'jose alvarez nunez' }, TODAY);
    expect(sameName.ok && sameName.warnings).toEqual([]);
  });

  it('refuses an unknown form type and overlong text', () => {
    expect(errorsOf({ ...W9, formType: 'w4' })).toEqual({ formType: 'Choose the W-9 or the W-8BEN.' });
    expect(errorsOf({ ...W9, legalName: 'x'.repeat(201), signature: 'x'.repeat(201) }).legalName).toBe('Use at most 200 characters.');
  });
});

describe('validateTaxForm: W-8BEN', () => {
  it('accepts a complete form; optional parts are null', () => {
    const result = validateTaxForm(W8BEN, TODAY);
    expect(result).toEqual({
      ok: true,
      signature: 'Bruno Costa',
      warnings: [],
      details: {
        formType: 'w8ben',
        legalName: 'Bruno Costa',
        citizenshipCountry: 'BR',
        address: 'Rua das Flores 10',
        city: 'Porto Alegre',
        postalCode: '90000-000',
        country: 'BR',
        mailingAddress: null,
        mailingCity: null,
        mailingPostalCode: null,
        mailingCountry: null,
        tin: null,
        foreignTin: '123.456.789-09',
        foreignTinNotRequired: false,
        dateOfBirth: '1990-07-14',
        treatyCountry: null,
        treatyArticle: null,
        treatyRate: null,
        treatyIncomeType: null,
      },
    });
  });

  it('refuses US citizenship and a US permanent address (those sign a W-9), and unknown countries', () => {
    expect(Object.keys(errorsOf({ ...W8BEN, citizenshipCountry: 'US', country: 'us' })).sort()).toEqual(['citizenshipCountry', 'country']);
    expect(Object.keys(errorsOf({ ...W8BEN, citizenshipCountry: 'EU', country: 'Brazil' })).sort()).toEqual(['citizenshipCountry', 'country']);
  });

  it('needs a foreign TIN or "not required", not both', () => {
    expect(Object.keys(errorsOf({ ...W8BEN, foreignTin: '' }))).toEqual(['foreignTin']);
    expect(errorsOf({ ...W8BEN, foreignTin: '', foreignTinNotRequired: 'on' })).toEqual({});
    expect(Object.keys(errorsOf({ ...W8BEN, foreignTinNotRequired: 'on' }))).toEqual(['foreignTinNotRequired']);
  });

  it('dates of birth: real, after 1900, not in the future (today is fine)', () => {
    for (const dateOfBirth of ['1990-02-30', '14/07/1990', '1899-12-31', '2026-05-04', '']) {
      expect(Object.keys(errorsOf({ ...W8BEN, dateOfBirth })), dateOfBirth).toEqual(['dateOfBirth']);
    }
    expect(errorsOf({ ...W8BEN, dateOfBirth: '2026-05-03' })).toEqual({});
    expect(errorsOf({ ...W8BEN, dateOfBirth: '2000-02-29' })).toEqual({});
  });

  it('a US TIN is optional but valid when given', () => {
    const withItin = validateTaxForm({ ...W8BEN, tin: '912-70-1234' }, TODAY);
    expect(withItin.ok && withItin.details.tin).toBe('912701234');
    expect(Object.keys(errorsOf({ ...W8BEN, tin: '666-12-3456' }))).toEqual(['tin']);
  });

  it('a mailing address is given whole (it may be in the US)', () => {
    expect(Object.keys(errorsOf({ ...W8BEN, mailingCity: 'Miami' })).sort()).toEqual(['mailingAddress', 'mailingCountry']);
    const mailing = validateTaxForm({ ...W8BEN, mailingAddress: '1 Ocean Dr', mailingCity: 'Miami', mailingPostalCode: '33139', mailingCountry: 'US' }, TODAY);
    expect(mailing.ok && mailing.details).toMatchObject({
      mailingAddress: '1 Ocean Dr',
      mailingCity: 'Miami',
      mailingPostalCode: '33139',
      mailingCountry: 'US',
    });
  });

  it('a treaty claim names its country; special rates come with article, rate (0–30 %) and income type', () => {
    const claim = validateTaxForm({ ...W8BEN, treatyCountry: 'de', treatyArticle: '12(1)', treatyRate: '0%', treatyIncomeType: 'Royalties' }, TODAY);
    expect(claim.ok && claim.details).toMatchObject({ treatyCountry: 'DE', treatyArticle: '12(1)', treatyRate: '0', treatyIncomeType: 'Royalties' });
    expect(errorsOf({ ...W8BEN, treatyCountry: 'DE' })).toEqual({});
    expect(Object.keys(errorsOf({ ...W8BEN, treatyRate: '45' })).sort()).toEqual(['treatyArticle', 'treatyCountry', 'treatyIncomeType', 'treatyRate']);
    expect(Object.keys(errorsOf({ ...W8BEN, treatyCountry: 'US' }))).toEqual(['treatyCountry']);
  });

  it('missing certification and signature are errors on their fields', () => {
    expect(Object.keys(errorsOf({ ...W8BEN, certify: '', signature: '  ' })).sort()).toEqual(['certify', 'signature']);
  });
});

describe('certification texts', () => {
  it("are the forms' own words, item 2 of the W-9 being the backup withholding one", () => {
    expect(W9_CERTIFICATION.intro).toBe('Under penalties of perjury, I certify that:');
    expect(W9_CERTIFICATION.items).toHaveLength(4);
    expect(W9_CERTIFICATION.items[W9_BACKUP_WITHHOLDING_ITEM]!.text).toMatch(/^2\. I am not subject to backup withholding because/);
    expect(W8BEN_CERTIFICATION.items[2]!.subItems).toHaveLength(4);
    const lines = certificationLines('w8ben');
    expect(lines[0]).toMatch(/^Under penalties of perjury, I declare/);
    expect(lines.at(-1)).toMatch(/I agree that I will submit a new form within 30 days/);
  });
});
