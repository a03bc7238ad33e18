import { describe, expect, it } from 'vitest';
import { BACKUP_WITHHOLDING_REASON, NO_METHOD_REASON, type ReadinessFacts, readinessOf, TAX_FORM_EXPIRED_REASON, TAX_FORM_NEEDED_REASON } from './readiness.js';

const facts = (overrides: Partial<ReadinessFacts> = {}): ReadinessFacts => ({
  hasMethod: true,
  shouldCollectTaxInfo: false,
  taxFormState: null,
  currentReason: null,
  ...overrides,
});

describe('readinessOf', () => {
  it('is ready with a method when no tax information is asked for', () => {
    expect(readinessOf(facts())).toEqual({ ready: true, reason: null });
    expect(readinessOf(facts({ taxFormState: 'expired' }))).toEqual({ ready: true, reason: null });
  });

  it('asks for a valid form when tax information is asked for', () => {
    expect(readinessOf(facts({ shouldCollectTaxInfo: true }))).toEqual({ ready: false, reason: TAX_FORM_NEEDED_REASON });
    expect(readinessOf(facts({ shouldCollectTaxInfo: true, taxFormState: 'expired' }))).toEqual({ ready: false, reason: TAX_FORM_EXPIRED_REASON });
    expect(readinessOf(facts({ shouldCollectTaxInfo: true, taxFormState: 'valid' }))).toEqual({ ready: true, reason: null });
  });

  it('holds a struck item 2 whatever the setting', () => {
    expect(readinessOf(facts({ taxFormState: 'backup_withholding' }))).toEqual({ ready: false, reason: BACKUP_WITHHOLDING_REASON });
    expect(readinessOf(facts({ shouldCollectTaxInfo: true, taxFormState: 'backup_withholding' }))).toEqual({ ready: false, reason: BACKUP_WITHHOLDING_REASON });
  });

  it('puts the missing method first, keeping a bank reason and "invited" as they are', () => {
    const noMethod = { hasMethod: false, shouldCollectTaxInfo: true, taxFormState: 'valid' as const };
    expect(readinessOf(facts({ ...noMethod, currentReason: null }))).toEqual({ ready: false, reason: null });
    expect(readinessOf(facts({ ...noMethod, currentReason: TAX_FORM_NEEDED_REASON }))).toEqual({ ready: false, reason: NO_METHOD_REASON });
    expect(readinessOf(facts({ ...noMethod, currentReason: 'the bank account is closed' }))).toEqual({ ready: false, reason: 'the bank account is closed' });
    expect(readinessOf(facts({ ...noMethod, currentReason: null }), NO_METHOD_REASON)).toEqual({ ready: false, reason: NO_METHOD_REASON });
  });
});
