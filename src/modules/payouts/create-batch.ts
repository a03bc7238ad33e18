import type { Executor } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import { uuidv7 } from '../../platform/ids.js';
import { DEFAULT_CURRENCY } from '../../platform/money.js';
import type { Tenant } from '../../platform/tenant.js';
import { InsufficientBalanceError, post } from '../ledger/ledger.service.js';
import { findRecipientsByIds, type Recipient, upsertRecipients } from '../recipients/recipients.service.js';
import { insertBatch } from './batches.repository.js';
import { insertPayouts, insertStatusUpdates, type NewPayout } from './payouts.repository.js';
import { sandboxBehaviourOf, type SandboxScenario } from './sandbox.js';

export interface PayoutItemInput {
  payeeEmail?: string;
  recipientId?: string;
  amount: number;
  description?: string;
  referenceId?: string;
}

export const INVALID_AMOUNT_MESSAGE = 'All payout amounts must be greater than zero.';
export const INSUFFICIENT_FUNDS_MESSAGE = 'Insufficient funds to cover the payout batch';

export interface CreatedBatch {
  batchId: string;
  payouts: { id: string; payeeEmail: string; amount: number; description: string | null; referenceId: string | null }[];
}

/** Checks what needs no database: one payee per item, positive amounts, sandbox error addresses. */
export function checkItems(tenant: Tenant, items: PayoutItemInput[]): void {
  items.forEach((item, i) => {
    const hasEmail = item.payeeEmail !== undefined;
    if (hasEmail === (item.recipientId !== undefined)) {
      throw new AppError('invalid_request', 'Each payout needs exactly one of `payeeEmail` or `recipientId`.', `payouts[${i}]`);
    }
  });
  const badAmount = items.findIndex((item) => !(item.amount > 0));
  if (badAmount !== -1) throw new AppError('invalid_amount', INVALID_AMOUNT_MESSAGE, `payouts[${badAmount}].amount`);
  if (tenant.environment !== 'sandbox') return;
  const behaviours = items.map((item) => (item.payeeEmail ? sandboxBehaviourOf(item.payeeEmail) : undefined));
  const invalid = behaviours.indexOf('error_invalid_amount');
  if (invalid !== -1) throw new AppError('invalid_amount', INVALID_AMOUNT_MESSAGE, `payouts[${invalid}].amount`);
  if (behaviours.includes('error_insufficient_funds')) throw new AppError('insufficient_funds', INSUFFICIENT_FUNDS_MESSAGE);
}

/** The recipient of each item, in item order: emails are found or created, ids must exist. */
export async function resolveRecipients(tx: Executor, tenant: Tenant, items: PayoutItemInput[]): Promise<Recipient[]> {
  const byEmail = items.filter((item) => item.payeeEmail !== undefined).map((item) => ({ email: item.payeeEmail! }));
  const emailRecipients = await upsertRecipients(tx, tenant, byEmail);
  const ids = [...new Set(items.filter((item) => item.recipientId !== undefined).map((item) => item.recipientId!))];
  const found = new Map((await findRecipientsByIds(tx, tenant, ids)).map((r) => [r.id, r]));
  let emailIndex = 0;
  return items.map((item, i) => {
    if (item.payeeEmail !== undefined) return emailRecipients[emailIndex++]!;
    const recipient = found.get(item.recipientId!);
    if (!recipient) throw new AppError('invalid_request', `No recipient with id ${item.recipientId}.`, `payouts[${i}].recipientId`);
    return recipient;
  });
}

/**
 * Creates a batch of payouts, all or nothing, inside the caller's transaction: recipients first
 * (in email order, so concurrent batches cannot deadlock), then the hold on the balance, whose row
 * lock serializes concurrent batches so only affordable ones succeed, then one multi-row insert
 * each for payouts and their first status update.
 */
export async function createBatch(tx: Executor, tenant: Tenant, items: PayoutItemInput[], sandboxDelayMs: number): Promise<CreatedBatch> {
  checkItems(tenant, items);
  const recipients = await resolveRecipients(tx, tenant, items);
  const total = items.reduce((sum, item) => sum + BigInt(item.amount), 0n);
  const batchId = uuidv7();
  try {
    await post(tx, [{ tenant, currency: DEFAULT_CURRENCY, from: 'available', to: 'held', amount: total, kind: 'batch_hold', batchId }]);
  } catch (error) {
    if (error instanceof InsufficientBalanceError) throw new AppError('insufficient_funds', INSUFFICIENT_FUNDS_MESSAGE);
    throw error;
  }
  await insertBatch(tx, tenant, { id: batchId, kind: 'payout', currency: DEFAULT_CURRENCY, payoutCount: items.length, totalAmount: total });
  const sandbox = tenant.environment === 'sandbox';
  const payouts: NewPayout[] = items.map((item, i) => {
    const recipient = recipients[i]!;
    const behaviour = sandbox ? (sandboxBehaviourOf(recipient.email) as SandboxScenario | undefined) : undefined;
    return {
      id: uuidv7(),
      recipientId: recipient.id,
      amount: BigInt(item.amount),
      description: item.description ?? null,
      referenceId: item.referenceId ?? null,
      status: 'created',
      sequence: 1,
      sandboxScenario: sandbox ? (behaviour ?? 'completed') : null,
      externalIdempotencyKey: null,
      nextActionDelayMs: sandbox ? sandboxDelayMs : 0,
    };
  });
  await insertPayouts(tx, tenant, batchId, 'payout', DEFAULT_CURRENCY, payouts);
  const at = new Date();
  await insertStatusUpdates(
    tx,
    payouts.map((p) => ({ id: uuidv7(), payoutId: p.id, tenant, sequence: 1, status: 'created', reason: null, createdAt: at })),
  );
  return {
    batchId,
    payouts: payouts.map((p, i) => ({ id: p.id, payeeEmail: recipients[i]!.email, amount: items[i]!.amount, description: p.description, referenceId: p.referenceId })),
  };
}

