import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from './secure-compare.js';

describe('constantTimeEqual', () => {
  it('tells equal secrets from different ones, strings or bytes', () => {
    expect(constantTimeEqual('token-1', 'token-1')).toBe(true);
    expect(constantTimeEqual('token-1', 'token-2')).toBe(false);
    expect(constantTimeEqual(Buffer.from([1, 2, 3]), Buffer.from([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(Buffer.from([1, 2, 3]), Buffer.from([1, 2]))).toBe(false);
  });

  it('answers false, without throwing, for the same string length but another byte length', () => {
    expect('aé'.length).toBe('ab'.length);
    expect(constantTimeEqual('aé', 'ab')).toBe(false);
    expect(constantTimeEqual('', 'x')).toBe(false);
  });
});
