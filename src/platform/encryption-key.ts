// Start-up resolution of ENCRYPTION_KEY, as for LINK_SECRET (links.ts): configured, or with the
// embedded database a key generated once into DATA_DIR; with DATABASE_URL it must be configured.

import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, ConfigError } from '../config.js';
import { generateKey, type KeyRing, parseKeyRing } from './crypto.js';

export const ENCRYPTION_KEY_FILE = 'encryption-key';

type KeyConfig = Pick<Config, 'encryptionKeys' | 'databaseUrl' | 'dataDir'>;

/**
 * The key ring as configured; with the embedded database and none set, the key kept in DATA_DIR,
 * generated on first start (mode 0600) and announced through `warn`. Two processes starting
 * together end with the same key: the loser of the link reads the winner's file.
 */
export function resolveEncryptionKeys(config: KeyConfig, warn: (message: string) => void = () => {}): KeyRing {
  if (config.encryptionKeys) return config.encryptionKeys;
  if (config.databaseUrl)
    throw new ConfigError(
      'Invalid configuration:\n  ENCRYPTION_KEY is required when DATABASE_URL is set (base64 of 32 random bytes, e.g. `openssl rand -base64 32`).',
    );
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, ENCRYPTION_KEY_FILE);
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, generateKey(), { flag: 'wx', mode: 0o600 });
  try {
    linkSync(draft, file);
    warn(`ENCRYPTION_KEY is not set: generated one into ${file}. Back it up with the data; without it, stored account numbers cannot be read.`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
  const keys = parseKeyRing(readFileSync(file, 'utf8').trim());
  if (!keys) throw new ConfigError(`Invalid configuration:\n  ${file} does not hold an encryption key (base64 of 32 bytes).`);
  return keys;
}

/** The configuration with its key ring resolved: what the API and the worker run with. */
export const withEncryptionKeys = (config: Readonly<Config>, warn?: (message: string) => void): Readonly<Config> =>
  Object.freeze({ ...config, encryptionKeys: resolveEncryptionKeys(config, warn) });

/** The resolved key ring; start-up must have resolved it (withEncryptionKeys). */
export function encryptionKeysOf(config: Pick<Config, 'encryptionKeys'>): KeyRing {
  if (!config.encryptionKeys) throw new Error('ENCRYPTION_KEY was not resolved at start-up (withEncryptionKeys).');
  return config.encryptionKeys;
}
