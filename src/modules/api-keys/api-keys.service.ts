import type { Database } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { isUuid, uuidv7 } from '../../platform/ids.js';
import { constantTimeEqual } from '../../platform/secure-compare.js';
import type { Environment, Tenant } from '../../platform/tenant.js';
import { environmentOfKey, generateApiKey, hashApiKey, keyLast4, keyPrefix } from './api-key-format.js';
import { ApiKeyCache } from './api-key-cache.js';
import * as repo from './api-keys.repository.js';
import type { ApiKeyRecord } from './api-keys.repository.js';

export type { ApiKeyRecord };

export interface AuthContext extends Tenant {
  apiKeyId: string;
}

export interface CreateApiKeyInput {
  organizationId: string;
  environment: Environment;
  name: string;
  createdBy: string;
}

/** Creates a key and returns it in full: the only moment the whole key exists outside its owner. */
export async function createApiKey(db: Database, input: CreateApiKeyInput): Promise<{ key: string; record: ApiKeyRecord }> {
  const name = input.name.trim();
  if (!name) throw new AppError('invalid_request', 'An API key needs a name.', 'name');
  if (name.length > 100) throw new AppError('invalid_request', 'An API key name has at most 100 characters.', 'name');
  const key = generateApiKey(input.environment);
  const record = await repo.insertApiKey(db, {
    id: uuidv7(),
    organizationId: input.organizationId,
    environment: input.environment,
    name,
    keyHash: hashApiKey(key),
    prefix: keyPrefix(key),
    last4: keyLast4(key),
    createdBy: input.createdBy,
  });
  return { key, record };
}

const unauthorized = (message: string) => new AppError('unauthorized', message, undefined, { 'WWW-Authenticate': 'Bearer' });

/** The channel a revocation is announced on, in the revoking transaction. */
export const API_KEY_REVOKED_CHANNEL = 'api_key_revoked';

/** One cache per open database, created (and its watch started) by the first look-up. */
const caches = new WeakMap<Database, ApiKeyCache>();

function cacheFor(db: Database): ApiKeyCache {
  let cache = caches.get(db);
  if (!cache) {
    const created = new ApiKeyCache();
    caches.set(db, created);
    db.watch(API_KEY_REVOKED_CHANNEL, (event) => created.hear(event));
    cache = created;
  }
  return cache;
}

/**
 * Resolves an Authorization header to the key's organization and environment. A key found active
 * is cached for a minute (see api-key-cache.ts); a revocation empties the cache of this process at
 * once and, through NOTIFY, of every other process as soon as the notification arrives, so a
 * revoked key stops working on the next request. Its last use is recorded when it is read from
 * the database (at most once a minute per key, as before).
 */
export async function authenticate(db: Database, authorization: string | undefined): Promise<AuthContext> {
  if (!authorization) throw unauthorized('Missing API key: send it as `Authorization: Bearer sk_test_…`.');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const key = match?.[1];
  if (!key || !environmentOfKey(key)) {
    throw unauthorized('Malformed API key: expected `Authorization: Bearer sk_test_…` or `sk_live_…`.');
  }
  const hash = hashApiKey(key);
  const cache = cacheFor(db);
  const cacheKey = hash.toString('hex');
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const generation = cache.generation;
  const record = await repo.findActiveApiKeyByHash(db, hash);
  if (!record || !constantTimeEqual(record.keyHash, hash)) throw unauthorized('Invalid API key: it does not exist or was revoked.');
  await repo.touchApiKeyLastUsed(db, record.id);
  const found = { organizationId: record.organizationId, environment: record.environment, apiKeyId: record.id };
  cache.set(generation, cacheKey, found);
  return { ...found };
}

export const listApiKeys = (db: Database, organizationId: string, environment?: Environment) => repo.listApiKeys(db, organizationId, environment);

export async function getApiKey(db: Database, tenant: Tenant, id: string): Promise<ApiKeyRecord> {
  const record = isUuid(id) ? await repo.findApiKeyById(db, tenant, id) : undefined;
  if (!record) throw notFound('API key', 'id');
  return record;
}

/**
 * Revokes a key and announces it (NOTIFY, delivered when the transaction commits) to every process
 * that caches keys; this process's cache is emptied as soon as the revocation is committed.
 */
export async function revokeApiKey(db: Database, organizationId: string, id: string): Promise<ApiKeyRecord> {
  const record = isUuid(id)
    ? await db.transaction(async (tx) => {
        const revoked = await repo.revokeApiKeyById(tx, organizationId, id);
        if (revoked) await repo.notifyApiKeyRevoked(tx, API_KEY_REVOKED_CHANNEL, revoked.id);
        return revoked;
      })
    : undefined;
  caches.get(db)?.clear();
  if (!record) throw notFound('API key', 'id');
  return record;
}
