import { describe, expect, it } from 'vitest';
import { isUuid, uuidv7 } from './ids.js';

describe('uuidv7', () => {
  it('is a version 7, RFC 9562 variant UUID', () => {
    const id = uuidv7();
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
  });

  it('sorts by creation time', () => {
    const earlier = uuidv7();
    const later = uuidv7(Date.now() + 5);
    expect(earlier < later).toBe(true);
  });

  it('carries the timestamp in its first 48 bits', () => {
    const id = uuidv7(Date.now() + 10_000_000);
    const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(Math.abs(ms - (Date.now() + 10_000_000))).toBeLessThan(1000);
  });

  it('increases strictly within one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => uuidv7());
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });
});
