import { describe, expect, it } from 'vitest';
import { APPLIED_CHANGE_CODES, CHANGE_CODES, INVALIDATING_RETURN_CODES, RETURN_CODES } from './codes.js';

describe('NACHA code tables', () => {
  it('hold the standard return reason codes R01–R85', () => {
    expect(RETURN_CODES.R01).toBe('Insufficient funds');
    expect(RETURN_CODES.R02).toBe('Account closed');
    expect(RETURN_CODES.R03).toBe('No account/unable to locate account');
    expect(RETURN_CODES.R04).toBe('Invalid account number structure');
    expect(RETURN_CODES.R20).toBe('Non-transaction account');
    expect(RETURN_CODES.R85).toBe('Incorrectly coded outbound international payment');
    const codes = Object.keys(RETURN_CODES);
    for (const code of codes) expect(code).toMatch(/^R(0[1-9]|[1-7]\d|8[0-5])$/);
    // R01–R47, R50–R53, R61–R62, R67–R77, R80–R85.
    expect(codes).toHaveLength(47 + 4 + 2 + 11 + 6);
  });

  it('hold the change codes C01–C13', () => {
    expect(Object.keys(CHANGE_CODES)).toEqual(Array.from({ length: 13 }, (_, i) => `C${String(i + 1).padStart(2, '0')}`));
    expect(CHANGE_CODES.C01).toBe('Incorrect DFI account number');
  });

  it('name only known codes as invalidating or applied', () => {
    for (const code of INVALIDATING_RETURN_CODES) expect(RETURN_CODES[code]).toBeDefined();
    for (const code of APPLIED_CHANGE_CODES) expect(CHANGE_CODES[code]).toBeDefined();
    expect(INVALIDATING_RETURN_CODES).toEqual(['R02', 'R03', 'R04', 'R20']);
    expect(APPLIED_CHANGE_CODES).toEqual(['C01', 'C02', 'C03', 'C05', 'C06', 'C07']);
  });
});
