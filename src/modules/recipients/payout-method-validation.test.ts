import { describe, expect, it } from 'vitest';
import { isCountryCode, isValidRoutingNumber, validatePayoutMethod } from './payout-method-validation.js';

const bank = {
  type: 'us_bank_account',
  accountHolderName: 'Ada Lovelace',
  accountHolderType: 'individual',
  routingNumber: '021000021',
  accountNumber: '000123456789',
  accountType: 'checking',
};
const paramsOf = (input: unknown) => {
  const result = validatePayoutMethod(input);
  return result.ok ? [] : result.errors.map((e) => e.param);
};

describe('payout method validation', () => {
  it('verifies the ABA check digit', () => {
    for (const valid of ['021000021', '011000015', '121000358', '026009593']) expect(isValidRoutingNumber(valid)).toBe(true);
    for (const invalid of ['021000022', '123456789', '000000000', '02100002', '02100002a']) expect(isValidRoutingNumber(invalid)).toBe(false);
  });

  it('accepts a well-formed bank account and PayPal address', () => {
    expect(validatePayoutMethod(bank)).toEqual({ ok: true, value: bank });
    expect(validatePayoutMethod({ type: 'paypal', email: ' Jo@Example.com ' })).toEqual({ ok: true, value: { type: 'paypal', email: 'jo@example.com' } });
  });

  it('names each field at fault, without repeating an account number', () => {
    expect(paramsOf({ ...bank, routingNumber: '021000022' })).toEqual(['routingNumber']);
    expect(paramsOf({ ...bank, routingNumber: '21000021' })).toEqual(['routingNumber']);
    expect(paramsOf({ ...bank, accountNumber: '12a45' })).toEqual(['accountNumber']);
    expect(paramsOf({ ...bank, accountNumber: '123' })).toEqual(['accountNumber']);
    expect(paramsOf({ ...bank, accountNumber: '1'.repeat(18) })).toEqual(['accountNumber']);
    expect(paramsOf({ ...bank, accountHolderType: 'company' })).toEqual(['accountHolderType']);
    expect(paramsOf({ ...bank, accountType: 'brokerage' })).toEqual(['accountType']);
    expect(paramsOf({ ...bank, accountHolderName: ' ' })).toEqual(['accountHolderName']);
    expect(paramsOf({ ...bank, email: 'x@example.com' })).toEqual(['email']);
    expect(paramsOf({ type: 'paypal', email: 'not-an-email' })).toEqual(['email']);
    expect(paramsOf({ type: 'venmo' })).toEqual(['type']);
    expect(paramsOf(null)).toEqual(['type']);
    const result = validatePayoutMethod({ ...bank, accountNumber: '98765x4321' });
    expect(JSON.stringify(result)).not.toContain('98765');
  });

  it('knows ISO 3166-1 alpha-2 countries only', () => {
    for (const code of ['US', 'DE', 'BR', 'XK']) expect(isCountryCode(code)).toBe(true);
    for (const code of ['us', 'USA', 'ZZ', 'EU', 'QO', 'XA', 'AA', '']) expect(isCountryCode(code)).toBe(false);
    // Retired codes Intl still names (each an alias of a current one) and exceptionally reserved ones.
    for (const code of ['DD', 'UK', 'YU', 'CS', 'SU', 'ZR', 'AN', 'FX', 'BU', 'TP', 'AC', 'IC']) expect(isCountryCode(code)).toBe(false);
  });

  it('lists every current country once by name', () => {
    const letters = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
    const codes = letters.flatMap((a) => letters.map((b) => a + b)).filter(isCountryCode);
    const names = codes.map((code) => new Intl.DisplayNames(['en'], { type: 'region' }).of(code));
    expect(new Set(names).size).toBe(names.length);
    expect(codes.length).toBeGreaterThan(240);
  });
});
