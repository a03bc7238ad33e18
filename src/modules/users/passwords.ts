import { randomBytes, scrypt } from 'node:crypto';
import { constantTimeEqual } from '../../platform/secure-compare.js';

// scrypt with a per-password salt. The parameters are stored with each hash, so raising the cost
// (config `passwordHashCost`, log2 of N) upgrades old hashes at their owner's next sign-in.
const R = 8;
const P = 1;
const KEY_LENGTH = 64;
// Refuse to run parameters beyond these even if a stored hash names them (memory is 128·N·r bytes).
const MAX_N = 2 ** 20;
const MAX_R = 16;
const MAX_P = 4;

interface Params {
  n: number;
  r: number;
  p: number;
}

const derive = (password: string, salt: Buffer, { n, r, p }: Params) =>
  new Promise<Buffer>((resolve, reject) =>
    // maxmem must exceed 128·N·r; twice that leaves room for Node's own accounting.
    scrypt(password, salt, KEY_LENGTH, { N: n, r, p, maxmem: 256 * n * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );

function parse(stored: string): (Params & { salt: Buffer; key: Buffer }) | undefined {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  const params = { n: Number(n), r: Number(r), p: Number(p) };
  const powerOfTwo = Number.isInteger(params.n) && params.n > 1 && (params.n & (params.n - 1)) === 0;
  if (scheme !== 'scrypt' || !salt || !key || !powerOfTwo || params.n > MAX_N) return undefined;
  if (!Number.isInteger(params.r) || params.r < 1 || params.r > MAX_R || !Number.isInteger(params.p) || params.p < 1 || params.p > MAX_P) return undefined;
  return { ...params, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
}

const format = ({ n, r, p }: Params, salt: Buffer, key: Buffer) => `scrypt$${n}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;

export async function hashPassword(password: string, cost: number): Promise<string> {
  const params = { n: 2 ** cost, r: R, p: P };
  const salt = randomBytes(16);
  return format(params, salt, await derive(password, salt, params));
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  return constantTimeEqual(await derive(password, parsed.salt, parsed), parsed.key);
}

/** Whether a stored hash was made with weaker parameters than the current cost asks for. */
export function needsRehash(stored: string, cost: number): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.n < 2 ** cost || parsed.r < R || parsed.p < P;
}

const dummies = new Map<number, string>();
/** A hash to check against when the email is unknown, with the current parameters, so both cases cost the same. */
export function dummyHash(cost: number): string {
  let hash = dummies.get(cost);
  if (!hash) {
    hash = format({ n: 2 ** cost, r: R, p: P }, Buffer.alloc(16), Buffer.alloc(KEY_LENGTH));
    dummies.set(cost, hash);
  }
  return hash;
}

export const PASSWORD_MIN_LENGTH = 10;
