// The one place that encrypts what must be read back (account numbers now; TINs, bank files and
// webhook secrets later): AES-256-GCM under a key ring from ENCRYPTION_KEY. Each stored value
// names the key that sealed it, so keys can be rotated: the first key encrypts, every key decrypts.

import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** The id of a key given without one (`ENCRYPTION_KEY=<base64>`), so it can be listed later to rotate. */
export const DEFAULT_KEY_ID = 'default';

/** Keys by id; the first one encrypts. Never printed: logging it shows no key material. */
export class KeyRing {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly primaryId: string;
  constructor(keys: readonly { id: string; key: Buffer }[]) {
    if (keys.length === 0) throw new Error('A key ring needs at least one key.');
    this.#keys = new Map(keys.map((k) => [k.id, k.key]));
    this.primaryId = keys[0]!.id;
  }
  key(id: string): Buffer | undefined {
    return this.#keys.get(id);
  }
  get ids(): string[] {
    return [...this.#keys.keys()];
  }
  toJSON() {
    return `[key ring: ${this.ids.join(', ')}]`;
  }
  [inspect.custom]() {
    return this.toJSON();
  }
}

/**
 * Parses `ENCRYPTION_KEY`: one base64 key of 32 bytes, or `id:key,id:key` (first encrypts, all
 * decrypt). Answers undefined when the text is not such a list.
 */
export function parseKeyRing(raw: string): KeyRing | undefined {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return undefined;
  const keys: { id: string; key: Buffer }[] = [];
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const id = colon === -1 ? DEFAULT_KEY_ID : entry.slice(0, colon);
    const encoded = colon === -1 ? entry : entry.slice(colon + 1);
    if (!KEY_ID.test(id) || keys.some((k) => k.id === id)) return undefined;
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) return undefined;
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES) return undefined;
    keys.push({ id, key });
  }
  return new KeyRing(keys);
}

/** A new random key, base64: what `ENCRYPTION_KEY` holds (`openssl rand -base64 32` gives the same). */
export const generateKey = (): string => randomBytes(KEY_BYTES).toString('base64');

/** `v1:<key id>:<base64url(iv ‖ ciphertext ‖ tag)>`; a fresh IV each time, so equal inputs differ. */
export function encryptText(keys: KeyRing, plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.key(keys.primaryId)!, iv);
  const sealed = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${FORMAT}:${keys.primaryId}:${sealed.toString('base64url')}`;
}

/** The text `encryptText` sealed; throws (without echoing the value) when it was altered or its key is gone. */
export function decryptText(keys: KeyRing, stored: string): string {
  const [format, keyId, payload, extra] = stored.split(':');
  if (format !== FORMAT || keyId === undefined || payload === undefined || extra !== undefined) throw new Error('Not an encrypted value.');
  const key = keys.key(keyId);
  if (!key) throw new Error(`The encryption key \`${keyId}\` is not in ENCRYPTION_KEY.`);
  const sealed = Buffer.from(payload, 'base64url');
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('Not an encrypted value.');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('An encrypted value failed its integrity check.');
  }
}

/**
 * A keyed hash (HMAC-SHA-256) for finding equal secrets without decrypting them (TIN matching).
 * Its key is derived from the primary key, never the encryption key itself; the answer names that
 * key, since a hash made under a rotated-out key no longer matches.
 */
export function keyedHash(keys: KeyRing, value: string): string {
  const hashKey = Buffer.from(hkdfSync('sha256', keys.key(keys.primaryId)!, Buffer.alloc(0), 'payouts keyed hash', KEY_BYTES));
  return `${keys.primaryId}:${createHmac('sha256', hashKey).update(value, 'utf8').digest('base64url')}`;
}
