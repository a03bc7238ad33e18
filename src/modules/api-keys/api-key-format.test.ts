import { describe, expect, it } from 'vitest';
import { environmentOfKey, generateApiKey, hashApiKey, keyLast4, keyPrefix } from './api-key-format.js';

describe('API key format', () => {
  it('prefixes keys by environment and carries 43 base62 characters (256 bits)', () => {
    const test = generateApiKey('sandbox');
    const live = generateApiKey('production');
    expect(test).toMatch(/^sk_test_[0-9A-Za-z]{43}$/);
    expect(live).toMatch(/^sk_live_[0-9A-Za-z]{43}$/);
    expect(environmentOfKey(test)).toBe('sandbox');
    expect(environmentOfKey(live)).toBe('production');
  });

  it('never repeats', () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateApiKey('sandbox')));
    expect(keys.size).toBe(1000);
  });

  it('rejects malformed keys', () => {
    for (const bad of ['', 'sk_test_', 'sk_test_short', `pk_test_${'a'.repeat(43)}`, `sk_test_${'a'.repeat(42)}!`, `sk_prod_${'a'.repeat(43)}`]) {
      expect(environmentOfKey(bad)).toBeUndefined();
    }
  });

  it('hashes deterministically and shows only prefix and last 4', () => {
    const key = generateApiKey('sandbox');
    expect(hashApiKey(key).equals(hashApiKey(key))).toBe(true);
    expect(hashApiKey(key)).toHaveLength(32);
    expect(keyPrefix(key)).toBe(key.slice(0, 12));
    expect(keyLast4(key)).toBe(key.slice(-4));
  });
});
