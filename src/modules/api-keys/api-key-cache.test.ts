import { describe, expect, it } from 'vitest';
import { API_KEY_CACHE_TTL_MS, ApiKeyCache } from './api-key-cache.js';

const key = (n: number) => ({ organizationId: `org-${n}`, environment: 'sandbox' as const, apiKeyId: `key-${n}` });

function listeningCache(maxEntries?: number) {
  let now = 0;
  const cache = new ApiKeyCache(() => now, maxEntries);
  cache.hear('resumed');
  return { cache, advance: (ms: number) => (now += ms) };
}

describe('the API key cache', () => {
  it('keeps a found key for its time to live, then forgets it', () => {
    const { cache, advance } = listeningCache();
    cache.set(cache.generation, 'a', key(1));
    advance(API_KEY_CACHE_TTL_MS - 1);
    expect(cache.get('a')).toEqual(key(1));
    advance(1);
    expect(cache.get('a')).toBeUndefined();
  });

  it('makes room by dropping the oldest cached key', () => {
    const { cache } = listeningCache(2);
    for (const n of [1, 2, 3]) cache.set(cache.generation, `k${n}`, key(n));
    expect(cache.size).toBe(2);
    expect(cache.get('k1')).toBeUndefined();
    expect(cache.get('k3')).toEqual(key(3));
  });

  it('does not cache what was read before it was emptied (a revocation raced the look-up)', () => {
    const { cache } = listeningCache();
    const before = cache.generation;
    cache.clear();
    cache.set(before, 'a', key(1));
    expect(cache.get('a')).toBeUndefined();
  });

  it('caches nothing until it listens for revocations, nor after the listening connection is lost', () => {
    const cache = new ApiKeyCache(() => 0);
    cache.set(cache.generation, 'a', key(1));
    expect(cache.get('a')).toBeUndefined();
    cache.hear('resumed');
    cache.set(cache.generation, 'a', key(1));
    expect(cache.get('a')).toEqual(key(1));
    cache.hear('lost');
    expect(cache.get('a')).toBeUndefined();
    cache.set(cache.generation, 'a', key(1));
    expect(cache.get('a')).toBeUndefined();
  });

  it('empties on every notification', () => {
    const { cache } = listeningCache();
    cache.set(cache.generation, 'a', key(1));
    cache.hear('notified');
    expect(cache.size).toBe(0);
  });
});
