import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets in constant time, whatever their lengths. `timingSafeEqual` throws when
 * the byte lengths differ (a string of the right length can still have more bytes: "é" is two),
 * and checking lengths first leaks the length; hashing both sides to 32 bytes avoids both. Equal
 * digests mean equal inputs (SHA-256 is collision resistant).
 */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}
