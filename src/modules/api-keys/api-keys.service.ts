import type { Database } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { isUuid, uuidv7 } from '../../platform/ids.js';
import { constantTimeEqual } from '../../platform/secure-compare.js';
import type { Environment, Tenant } from '../../platform/tenant.js';
import { environmentOfKey, generateApiKey, hashApiKey, keyLast4, keyPrefix } from './api-key-format.js';
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

/**
 * Resolves an Authorization header to the key's organization and environment. Looked up on every
 * request (no cache), so a revoked key stops working on the very next request.
 */
export async function authenticate(db: Database, authorization: string | undefined): Promise<AuthContext> {
  if (!authorization) throw unauthorized('Missing API key: send it as `Authorization: Bearer sk_test_…`.');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const key = match?.[1];
  if (!key || !environmentOfKey(key)) {
    throw unauthorized('Malformed API key: expected `Authorization: Bearer sk_test_…` or `sk_live_…`.');
  }
  const hash = hashApiKey(key);
  const record = await repo.findActiveApiKeyByHash(db, hash);
  if (!record || !constantTimeEqual(record.keyHash, hash)) throw unauthorized('Invalid API key: it does not exist or was revoked.');
  await repo.touchApiKeyLastUsed(db, record.id);
  return { organizationId: record.organizationId, environment: record.environment, apiKeyId: record.id };
}

export const listApiKeys = (db: Database, organizationId: string, environment?: Environment) => repo.listApiKeys(db, organizationId, environment);

export async function getApiKey(db: Database, tenant: Tenant, id: string): Promise<ApiKeyRecord> {
  const record = isUuid(id) ? await repo.findApiKeyById(db, tenant, id) : undefined;
  if (!record) throw notFound('API key', 'id');
  return record;
}

export async function revokeApiKey(db: Database, organizationId: string, id: string): Promise<ApiKeyRecord> {
  const record = isUuid(id) ? await repo.revokeApiKeyById(db, organizationId, id) : undefined;
  if (!record) throw notFound('API key', 'id');
  return record;
}
