import { createHash } from 'node:crypto';
import { decryptText, encryptText, type KeyRing } from '../crypto.js';
import type { Database, Executor, Transaction } from '../db/database.js';
import { AppError } from '../http/errors.js';
import { uuidv7 } from '../ids.js';
import type { Tenant } from '../tenant.js';
import type { PeriodicTask } from '../schedule/schedule.js';
import { type ResealReport, resealColumn, type SealedColumn } from '../reseal.js';
import * as repo from './idempotency.repository.js';

/** A request holding a key this long without finishing is taken to have crashed. */
const STALE_LOCK_SECONDS = 120;

export interface IdempotentAnswer {
  status: number;
  /** The JSON body, as text, exactly as first sent. */
  body: string;
  replayed: boolean;
}

/** JSON with object keys sorted, so two equal bodies hash alike whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function hashRequest(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body)}`)
    .digest('hex');
}

/**
 * What a creating operation answers. `lastStep`, when given, is the transaction's last statement
 * and commits it (through Transaction.queryAndCommit); it runs after the answer is stored, for an
 * operation whose last step takes a contended lock (the hold on a balance), so that nothing runs
 * between that lock and the commit.
 */
export interface OperationResult {
  status: number;
  body: unknown;
  lastStep?: (tx: Transaction) => Promise<void>;
}

// A stored answer is what the client was shown, and some answers show a secret once (a new
// webhook subscription's signing secret): stored answers are sealed (platform/crypto), like every
// other secret at rest. Answers stored in clear by an earlier version are read as they are (they
// expire with their key) or sealed by `payouts encryption re-encrypt`.
const sealAnswer = (keys: KeyRing, body: string) => encryptText(keys, body);
const openAnswer = (keys: KeyRing, stored: string) => (stored.startsWith('v1:') ? decryptText(keys, stored) : stored);

const STORED_ANSWERS: SealedColumn = {
  label: 'idempotency_keys.response_body',
  table: 'idempotency_keys',
  key: [
    { column: 'organization_id', type: 'uuid' },
    { column: 'environment', type: 'text' },
    { column: 'key', type: 'text' },
  ],
  column: 'response_body',
  mayHoldClear: true,
};

/** `payouts encryption re-encrypt`: every stored answer sealed under the first key. */
export const reencryptIdempotentAnswers = async (ex: Executor, keys: KeyRing, sliceSize?: number): Promise<ResealReport[]> => [
  await resealColumn(ex, keys, STORED_ANSWERS, { sliceSize }),
];

/**
 * Runs a creating operation at most once per key. The first request claims the key (committed at
 * once, so a concurrent twin sees it and gets 409), then runs the operation and stores its answer
 * in the operation's own transaction: the answer exists if and only if what it describes does.
 * A failed operation creates nothing and frees the key.
 */
export async function runIdempotent(
  db: Database,
  tenant: Tenant,
  key: string | undefined,
  requestHash: string,
  ttlHours: number,
  keys: KeyRing,
  operation: (tx: Executor) => Promise<OperationResult>,
): Promise<IdempotentAnswer> {
  if (key === undefined) {
    return db.transaction(async (tx) => {
      const result = await operation(tx);
      const body = JSON.stringify(result.body);
      await result.lastStep?.(tx);
      return { status: result.status, body, replayed: false };
    });
  }
  const token = uuidv7();
  if (!(await repo.claimIdempotencyKey(db, tenant, key, requestHash, token, ttlHours))) {
    const existing = await repo.findIdempotencyKey(db, tenant, key);
    if (existing && existing.requestHash !== requestHash) {
      throw new AppError('idempotency_key_reused', 'This idempotency key was already used with a different request.', 'idempotencyKey');
    }
    if (existing?.responseStatus != null) return { status: existing.responseStatus, body: openAnswer(keys, existing.responseBody!), replayed: true };
    const tookOver = existing?.lockToken ? await repo.takeOverStaleIdempotencyKey(db, tenant, key, existing.lockToken, token, STALE_LOCK_SECONDS) : false;
    if (!tookOver) {
      throw new AppError('idempotency_key_in_use', 'A request with this idempotency key is still being processed. Retry shortly.', 'idempotencyKey', {
        'Retry-After': '1',
      });
    }
  }
  try {
    return await db.transaction(async (tx) => {
      const result = await operation(tx);
      const body = JSON.stringify(result.body);
      if (!(await repo.storeIdempotentResponse(tx, tenant, key, token, result.status, sealAnswer(keys, body)))) {
        throw new AppError('idempotency_key_in_use', 'A request with this idempotency key is still being processed. Retry shortly.', 'idempotencyKey');
      }
      await result.lastStep?.(tx);
      return { status: result.status, body, replayed: false };
    });
  } catch (error) {
    await repo.releaseIdempotencyKey(db, tenant, key, token).catch(() => {});
    throw error;
  }
}

const PURGE_SLICE = 1000;

/** Forgets idempotency keys past their retention, in slices so no statement grows unbounded. */
export const purgeIdempotencyKeys: PeriodicTask = {
  name: 'purge-idempotency-keys',
  cron: '* * * * *',
  async run(tx) {
    let total = 0;
    for (;;) {
      const deleted = await repo.deleteExpiredIdempotencyKeys(tx, PURGE_SLICE);
      total += deleted;
      if (deleted < PURGE_SLICE) return total;
    }
  },
};
