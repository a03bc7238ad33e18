import { createHash, randomBytes } from 'node:crypto';
import type { Environment } from '../../platform/tenant.js';

const PREFIX_BY_ENVIRONMENT: Record<Environment, string> = { sandbox: 'sk_test_', production: 'sk_live_' };
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// 62^43 > 2^256, so 43 base62 digits hold 32 random bytes exactly.
const SECRET_LENGTH = 43;
const KEY_PATTERN = /^sk_(test|live)_[0-9A-Za-z]{43}$/;

function base62(bytes: Buffer): string {
  let value = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (value > 0n) {
    out = BASE62[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out.padStart(SECRET_LENGTH, '0');
}

/** A new key: its environment's prefix and 256 random bits, in letters and digits only. */
export function generateApiKey(environment: Environment): string {
  return PREFIX_BY_ENVIRONMENT[environment] + base62(randomBytes(32));
}

/** The environment a well-formed key belongs to, or undefined for anything malformed. */
export function environmentOfKey(key: string): Environment | undefined {
  const match = KEY_PATTERN.exec(key);
  if (!match) return undefined;
  return match[1] === 'test' ? 'sandbox' : 'production';
}

/**
 * Keys carry 256 random bits, so one SHA-256 is enough to make the stored hash useless to a thief
 * (no dictionary to try) while keeping verification cheap on every request.
 */
export const hashApiKey = (key: string): Buffer => createHash('sha256').update(key).digest();

/** What may be shown of a key after creation: `sk_test_AbC…wxyz`. */
export const keyPrefix = (key: string): string => key.slice(0, PREFIX_BY_ENVIRONMENT.sandbox.length + 4);
export const keyLast4 = (key: string): string => key.slice(-4);
