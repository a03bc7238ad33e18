import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { decryptText, encryptText, generateKey, keyedHash, parseKeyRing } from './crypto.js';
import { ENCRYPTION_KEY_FILE, resolveEncryptionKeys } from './encryption-key.js';

const keyA = Buffer.alloc(32, 1).toString('base64');
const keyB = Buffer.alloc(32, 2).toString('base64');

describe('crypto', () => {
  it('round-trips text and never repeats a ciphertext', () => {
    const keys = parseKeyRing(keyA)!;
    const first = encryptText(keys, '000123456789');
    const second = encryptText(keys, '000123456789');
    expect(first).not.toBe(second);
    expect(first).not.toContain('123456789');
    expect(first.startsWith('v1:default:')).toBe(true);
    expect(decryptText(keys, first)).toBe('000123456789');
  });

  it('rotates: the first key encrypts, every listed key decrypts, a dropped key cannot', () => {
    const old = parseKeyRing(`k1:${keyA}`)!;
    const sealedOld = encryptText(old, 'old secret');
    const rotated = parseKeyRing(`k2:${keyB},k1:${keyA}`)!;
    expect(decryptText(rotated, sealedOld)).toBe('old secret');
    expect(encryptText(rotated, 'x').startsWith('v1:k2:')).toBe(true);
    expect(() => decryptText(parseKeyRing(`k2:${keyB}`)!, sealedOld)).toThrow(/k1/);
  });

  it('refuses a tampered value or another key under the same id', () => {
    const keys = parseKeyRing(keyA)!;
    const sealed = encryptText(keys, 'secret');
    const payload = Buffer.from(sealed.split(':')[2]!, 'base64url');
    payload[14] = payload[14]! ^ 1;
    expect(() => decryptText(keys, `v1:default:${payload.toString('base64url')}`)).toThrow(/integrity/);
    expect(() => decryptText(parseKeyRing(keyB)!, sealed)).toThrow(/integrity/);
    expect(() => decryptText(keys, 'secret')).toThrow(/Not an encrypted value/);
  });

  it('parses only well-formed key lists', () => {
    expect(parseKeyRing(generateKey())?.ids).toEqual(['default']);
    expect(parseKeyRing(`a:${keyA}, b:${keyB}`)?.ids).toEqual(['a', 'b']);
    expect(parseKeyRing(Buffer.alloc(16).toString('base64'))).toBeUndefined();
    expect(parseKeyRing(`a:${keyA},a:${keyB}`)).toBeUndefined();
    expect(parseKeyRing(`bad id:${keyA}`)).toBeUndefined();
    expect(parseKeyRing('not base64!')).toBeUndefined();
  });

  it('hashes with a key: stable for one key, different under another', () => {
    const keys = parseKeyRing(keyA)!;
    expect(keyedHash(keys, '123-45-6789')).toBe(keyedHash(keys, '123-45-6789'));
    expect(keyedHash(keys, '123-45-6789')).not.toBe(keyedHash(keys, '123-45-6788'));
    expect(keyedHash(parseKeyRing(keyB)!, '123-45-6789')).not.toBe(keyedHash(keys, '123-45-6789'));
    expect(keyedHash(keys, '123-45-6789')).not.toContain('6789');
  });

  it('never shows key material when logged or serialized', () => {
    const keys = parseKeyRing(`k1:${keyA}`)!;
    expect(JSON.stringify({ keys })).not.toContain(keyA.slice(0, 10));
    expect(inspect(keys)).not.toContain(keyA.slice(0, 10));
    expect(inspect(keys)).toContain('k1');
  });
});

describe('ENCRYPTION_KEY at start-up', () => {
  // Each test's DATA_DIR is removed after it: a generated key file must not outlive the test.
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'payouts-key-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  it('is read from the environment, and an invalid one is refused without echoing it', () => {
    expect(loadConfig({ ENCRYPTION_KEY: `k1:${keyA}` }).encryptionKeys?.ids).toEqual(['k1']);
    const bad = 'c2hvcnQta2V5LXRoYXQtaXMtc2VjcmV0';
    expect(() => loadConfig({ ENCRYPTION_KEY: bad })).toThrow(ConfigError);
    try {
      loadConfig({ ENCRYPTION_KEY: bad });
    } catch (error) {
      expect((error as Error).message).toContain('ENCRYPTION_KEY');
      expect((error as Error).message).not.toContain(bad);
    }
  });

  it('is generated once into DATA_DIR (0600) with a warning when the embedded database runs without one', () => {
    const dir = dataDir();
    const warnings: string[] = [];
    const first = resolveEncryptionKeys({ encryptionKeys: undefined, databaseUrl: undefined, dataDir: dir }, (m) => warnings.push(m));
    const second = resolveEncryptionKeys({ encryptionKeys: undefined, databaseUrl: undefined, dataDir: dir }, (m) => warnings.push(m));
    expect(decryptText(second, encryptText(first, 'same key'))).toBe('same key');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ENCRYPTION_KEY');
    const file = join(dir, ENCRYPTION_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(warnings[0]).not.toContain(readFileSync(file, 'utf8').trim());
  });

  it('is required with DATABASE_URL', () => {
    const dir = dataDir();
    expect(() => resolveEncryptionKeys({ encryptionKeys: undefined, databaseUrl: 'postgres://x/y', dataDir: dir })).toThrow(/ENCRYPTION_KEY is required/);
  });
});
