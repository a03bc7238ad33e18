import type { Executor } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import { uuidv7 } from '../../platform/ids.js';
import { DEFAULT_CURRENCY, storedAmountToWire } from '../../platform/money.js';
import type { Tenant } from '../../platform/tenant.js';
import { findRecipientsByIds } from '../recipients/index.js';
import { insertBatch } from './batches.repository.js';
import { checkTotal, INVALID_AMOUNT_MESSAGE, type PayoutItemInput, resolveRecipients } from './create-batch.js';
import { findExternalPayoutsByKeys, insertPayouts, insertStatusUpdates, lockExternalIdempotencyKeys, type NewPayout } from './payouts.repository.js';

export interface ExternalItemInput extends PayoutItemInput {
  idempotencyKey?: string;
  /** ISO 8601 date-time: when it was paid (default: when it is recorded). */
  paidAt?: string;
}

/** A payment date earlier than this is a typo (the 1099-NEC report starts at that year). */
export const EARLIEST_PAID_AT = new Date('2000-01-01T00:00:00Z');
/** How far ahead a payment date may be: a day, for a payment dated today in a zone ahead of UTC. */
const PAID_AT_LEEWAY_MS = 24 * 60 * 60 * 1000;

/** The item's payment date: a real instant, not before 2000, at most a day after `now`. */
export function paidAtOf(value: string | undefined, now: Date, param: string): Date | null {
  if (value === undefined) return null;
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new AppError('invalid_request', 'paidAt must be an ISO 8601 date-time such as 2026-03-31T12:00:00Z.', param);
  if (at < EARLIEST_PAID_AT) throw new AppError('invalid_request', 'paidAt cannot be before 2000-01-01.', param);
  if (at.getTime() > now.getTime() + PAID_AT_LEEWAY_MS) throw new AppError('invalid_request', 'paidAt cannot be in the future.', param);
  return at;
}

export interface RecordedExternalBatch {
  batchId: string | null;
  payouts: { id: string; payeeEmail: string; amount: number; description: string | null; referenceId: string | null; idempotencyKey: string | null }[];
}

/**
 * Records payments made outside the platform, for complete records and tax reporting: they are
 * `completed` from the start and move no money. An item whose idempotencyKey was recorded before
 * answers the earlier payout instead of recording it again.
 */
export async function createExternalBatch(tx: Executor, tenant: Tenant, items: ExternalItemInput[]): Promise<RecordedExternalBatch> {
  items.forEach((item, i) => {
    if ((item.payeeEmail !== undefined) === (item.recipientId !== undefined)) {
      throw new AppError('invalid_request', 'Each payment needs exactly one of `payeeEmail` or `recipientId`.', `payouts[${i}]`);
    }
    if (!(item.amount > 0)) throw new AppError('invalid_amount', INVALID_AMOUNT_MESSAGE, `payouts[${i}].amount`);
  });
  const now = new Date();
  const paidAts = items.map((item, i) => paidAtOf(item.paidAt, now, `payouts[${i}].paidAt`));
  checkTotal(items);
  const keys = items.map((item) => item.idempotencyKey).filter((key): key is string => key !== undefined);
  const duplicateKey = keys.find((key, i) => keys.indexOf(key) !== i);
  if (duplicateKey) throw new AppError('invalid_request', `The idempotencyKey ${duplicateKey} appears twice in this request.`, 'payouts');
  await lockExternalIdempotencyKeys(tx, tenant, keys);
  const earlier = new Map((await findExternalPayoutsByKeys(tx, tenant, keys)).map((p) => [p.externalIdempotencyKey, p]));

  const isFresh = (item: ExternalItemInput) => !(item.idempotencyKey && earlier.has(item.idempotencyKey));
  const fresh = items.filter(isFresh);
  const freshPaidAts = paidAts.filter((_, i) => isFresh(items[i]!));
  const recipients = await resolveRecipients(tx, tenant, fresh);
  const earlierRecipients = new Map(
    (
      await findRecipientsByIds(
        tx,
        tenant,
        [...earlier.values()].map((p) => p.recipientId),
      )
    ).map((r) => [r.id, r]),
  );

  let batchId: string | null = null;
  const created: NewPayout[] = fresh.map((item, i) => ({
    id: uuidv7(),
    recipientId: recipients[i]!.id,
    amount: BigInt(item.amount),
    description: item.description ?? null,
    referenceId: item.referenceId ?? null,
    status: 'completed',
    sequence: 2,
    sandboxScenario: null,
    externalIdempotencyKey: item.idempotencyKey ?? null,
    nextActionDelayMs: null,
    isReimbursement: item.isReimbursement === true,
    paidAt: freshPaidAts[i]!,
  }));
  if (created.length > 0) {
    batchId = uuidv7();
    const total = created.reduce((sum, p) => sum + p.amount, 0n);
    await insertBatch(tx, tenant, { id: batchId, kind: 'external', currency: DEFAULT_CURRENCY, payoutCount: created.length, totalAmount: total });
    await insertPayouts(tx, tenant, batchId, 'external', DEFAULT_CURRENCY, created);
    const at = new Date();
    await insertStatusUpdates(
      tx,
      created.flatMap((p) => [
        { id: uuidv7(), payoutId: p.id, tenant, sequence: 1, status: 'created' as const, reason: null, createdAt: at },
        { id: uuidv7(), payoutId: p.id, tenant, sequence: 2, status: 'completed' as const, reason: null, createdAt: at },
      ]),
    );
  }

  let freshIndex = 0;
  return {
    batchId: batchId ?? [...earlier.values()][0]?.batchId ?? null,
    payouts: items.map((item) => {
      const previous = item.idempotencyKey ? earlier.get(item.idempotencyKey) : undefined;
      if (previous) {
        return {
          id: previous.id,
          payeeEmail: earlierRecipients.get(previous.recipientId)!.email,
          amount: storedAmountToWire(previous.amount),
          description: previous.description,
          referenceId: previous.referenceId,
          idempotencyKey: item.idempotencyKey!,
        };
      }
      const p = created[freshIndex]!;
      const recipient = recipients[freshIndex++]!;
      return {
        id: p.id,
        payeeEmail: recipient.email,
        amount: item.amount,
        description: p.description,
        referenceId: p.referenceId,
        idempotencyKey: item.idempotencyKey ?? null,
      };
    }),
  };
}
