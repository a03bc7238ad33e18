import { describe, expect, it } from 'vitest';
import { toParamPath } from './validation.js';

describe('toParamPath', () => {
  it('renders JSON pointers in the envelope notation', () => {
    expect(toParamPath('/payouts/3/payeeEmail')).toBe('payouts[3].payeeEmail');
    expect(toParamPath('/payouts/3', 'amount')).toBe('payouts[3].amount');
    expect(toParamPath('', 'name')).toBe('name');
    expect(toParamPath('')).toBeUndefined();
  });
});
