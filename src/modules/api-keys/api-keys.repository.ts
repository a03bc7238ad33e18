import type { Executor } from '../../platform/db/database.js';
import type { Environment, Tenant } from '../../platform/tenant.js';

export interface ApiKeyRecord {
  id: string;
  organizationId: string;
  environment: Environment;
  name: string;
  keyHash: Buffer;
  prefix: string;
  last4: string;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

interface ApiKeyRow {
  id: string;
  organization_id: string;
  environment: Environment;
  name: string;
  key_hash: Uint8Array;
  prefix: string;
  last4: string;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const toApiKey = (row: ApiKeyRow): ApiKeyRecord => ({
  id: row.id,
  organizationId: row.organization_id,
  environment: row.environment,
  name: row.name,
  keyHash: Buffer.from(row.key_hash),
  prefix: row.prefix,
  last4: row.last4,
  createdBy: row.created_by,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

export type NewApiKey = Omit<ApiKeyRecord, 'createdAt' | 'lastUsedAt' | 'revokedAt'>;

export async function insertApiKey(ex: Executor, key: NewApiKey): Promise<ApiKeyRecord> {
  const rows = await ex.query<ApiKeyRow>(
    `insert into api_keys (id, organization_id, environment, name, key_hash, prefix, last4, created_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning *`,
    [key.id, key.organizationId, key.environment, key.name, key.keyHash, key.prefix, key.last4, key.createdBy],
  );
  return toApiKey(rows[0]!);
}

export async function findActiveApiKeyByHash(ex: Executor, keyHash: Buffer): Promise<ApiKeyRecord | undefined> {
  const rows = await ex.query<ApiKeyRow>('select * from api_keys where key_hash = $1 and revoked_at is null', [keyHash]);
  return rows[0] && toApiKey(rows[0]);
}

export async function listApiKeys(ex: Executor, organizationId: string, environment?: Environment): Promise<ApiKeyRecord[]> {
  const rows = await ex.query<ApiKeyRow>(
    `select * from api_keys where organization_id = $1 and ($2::text is null or environment = $2)
     order by created_at desc, id desc`,
    [organizationId, environment ?? null],
  );
  return rows.map(toApiKey);
}

export async function findApiKeyById(ex: Executor, tenant: Tenant, id: string): Promise<ApiKeyRecord | undefined> {
  const rows = await ex.query<ApiKeyRow>('select * from api_keys where organization_id = $1 and environment = $2 and id = $3', [
    tenant.organizationId,
    tenant.environment,
    id,
  ]);
  return rows[0] && toApiKey(rows[0]);
}

export async function revokeApiKeyById(ex: Executor, organizationId: string, id: string): Promise<ApiKeyRecord | undefined> {
  const rows = await ex.query<ApiKeyRow>(`update api_keys set revoked_at = coalesce(revoked_at, now()) where organization_id = $1 and id = $2 returning *`, [
    organizationId,
    id,
  ]);
  return rows[0] && toApiKey(rows[0]);
}

/** Tells the processes listening on `channel` that a key was revoked (sent when the transaction commits). */
export async function notifyApiKeyRevoked(ex: Executor, channel: string, id: string): Promise<void> {
  await ex.query('select pg_notify($1, $2)', [channel, id]);
}

/** Records use at most once a minute per key, so a busy key does not turn every request into a write. */
export async function touchApiKeyLastUsed(ex: Executor, id: string): Promise<void> {
  await ex.query(
    `update api_keys set last_used_at = now()
     where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')`,
    [id],
  );
}
