import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

// Random bits are drawn from the CSPRNG a few kilobytes at a time: one randomBytes call per id
// cost 4% of a busy worker's CPU (a 50,000-payout batch makes over 100,000 ids). Same source,
// same quality; only the number of system calls changes.
const RANDOM_POOL_BYTES = 8192;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomBits(n: number): Buffer {
  if (poolOffset + n > pool.length) {
    pool = randomBytes(RANDOM_POOL_BYTES);
    poolOffset = 0;
  }
  poolOffset += n;
  return pool.subarray(poolOffset - n, poolOffset);
}

/**
 * A UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter (method 1 of the
 * RFC) and random bits. Ids made by one process are strictly increasing, even within one
 * millisecond, so sorting by id is sorting by creation (a batch's payouts keep request order).
 */
export function uuidv7(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = randomBits(2).readUInt16BE(0) & 0x7ff; // start low, leaving room to count up
  } else if (++counter > 0xfff) {
    lastMs += 1; // the counter ran out within this millisecond: borrow the next one
    counter = 0;
  }
  const bytes = Buffer.from(randomBits(16));
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID_PATTERN.test(value);
