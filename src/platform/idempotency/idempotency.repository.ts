import { type Executor, prepared } from '../db/database.js';
import type { Tenant } from '../tenant.js';

export interface IdempotencyRecord {
  requestHash: string;
  lockToken: string | null;
  lockedAt: Date | null;
  responseStatus: number | null;
  responseBody: string | null;
}

const CLAIM_KEY = prepared(
  'claimIdempotencyKey',
  `insert into idempotency_keys (organization_id, environment, key, request_hash, lock_token, locked_at, expires_at)
   values ($1, $2, $3, $4, $5, now(), now() + $6 * interval '1 hour')
   on conflict (organization_id, environment, key) do update
     set request_hash = excluded.request_hash, lock_token = excluded.lock_token, locked_at = excluded.locked_at,
         response_status = null, response_body = null, created_at = now(), expires_at = excluded.expires_at
     where idempotency_keys.expires_at < now()
   returning key`,
);

/**
 * Takes the key for a new request: inserts it, or reuses a row whose retention has expired.
 * Answers false when the key is live (held by a request in flight, or holding a stored answer).
 */
export async function claimIdempotencyKey(
  ex: Executor,
  tenant: Tenant,
  key: string,
  requestHash: string,
  lockToken: string,
  ttlHours: number,
): Promise<boolean> {
  const rows = await ex.query(CLAIM_KEY, [tenant.organizationId, tenant.environment, key, requestHash, lockToken, ttlHours]);
  return rows.length === 1;
}

export async function findIdempotencyKey(ex: Executor, tenant: Tenant, key: string): Promise<IdempotencyRecord | undefined> {
  const rows = await ex.query<{
    request_hash: string;
    lock_token: string | null;
    locked_at: Date | null;
    response_status: number | null;
    response_body: string | null;
  }>(
    'select request_hash, lock_token, locked_at, response_status, response_body from idempotency_keys where organization_id = $1 and environment = $2 and key = $3',
    [tenant.organizationId, tenant.environment, key],
  );
  const row = rows[0];
  return (
    row && {
      requestHash: row.request_hash,
      lockToken: row.lock_token,
      lockedAt: row.locked_at,
      responseStatus: row.response_status,
      responseBody: row.response_body,
    }
  );
}

/** Takes over a key whose holder has gone quiet for longer than `staleSeconds` (a crashed request). */
export async function takeOverStaleIdempotencyKey(
  ex: Executor,
  tenant: Tenant,
  key: string,
  staleToken: string,
  lockToken: string,
  staleSeconds: number,
): Promise<boolean> {
  const rows = await ex.query(
    `update idempotency_keys set lock_token = $5, locked_at = now()
     where organization_id = $1 and environment = $2 and key = $3 and lock_token = $4 and response_status is null
       and locked_at < now() - $6 * interval '1 second'
     returning key`,
    [tenant.organizationId, tenant.environment, key, staleToken, lockToken, staleSeconds],
  );
  return rows.length === 1;
}

const STORE_RESPONSE = prepared(
  'storeIdempotentResponse',
  `update idempotency_keys set response_status = $5, response_body = $6, lock_token = null, locked_at = null
   where organization_id = $1 and environment = $2 and key = $3 and lock_token = $4
   returning key`,
);

/** Stores the answer, in the transaction that created what it describes; false if the lock was lost. */
export async function storeIdempotentResponse(ex: Executor, tenant: Tenant, key: string, lockToken: string, status: number, body: string): Promise<boolean> {
  const rows = await ex.query(STORE_RESPONSE, [tenant.organizationId, tenant.environment, key, lockToken, status, body]);
  return rows.length === 1;
}

/** Frees the key after a request that created nothing, so a corrected retry can use it. */
export async function releaseIdempotencyKey(ex: Executor, tenant: Tenant, key: string, lockToken: string): Promise<void> {
  await ex.query('delete from idempotency_keys where organization_id = $1 and environment = $2 and key = $3 and lock_token = $4 and response_status is null', [
    tenant.organizationId,
    tenant.environment,
    key,
    lockToken,
  ]);
}

export async function deleteExpiredIdempotencyKeys(ex: Executor, limit: number): Promise<number> {
  const rows = await ex.query(
    `delete from idempotency_keys where (organization_id, environment, key) in (
       select organization_id, environment, key from idempotency_keys where expires_at < now() limit $1
     ) returning key`,
    [limit],
  );
  return rows.length;
}
