import type { Executor, Transaction } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import { uuidv7 } from '../../platform/ids.js';
import { DEFAULT_CURRENCY, isWithinWireRange, TOTAL_TOO_LARGE_MESSAGE } from '../../platform/money.js';
import type { Tenant } from '../../platform/tenant.js';
import { ensureAccounts, InsufficientBalanceError, type Movement, post } from '../ledger/index.js';
import { findRecipientsByIds, type Recipient, upsertRecipients } from '../recipients/index.js';
import { queueBatchEmails } from '../emails/index.js';
import { insertBatchWithPayouts, type NewPayout } from './payouts.repository.js';
import { sandboxBehaviourOf, type SandboxScenario } from './sandbox.js';

export interface PayoutItemInput {
  payeeEmail?: string;
  recipientId?: string;
  amount: number;
  description?: string;
  referenceId?: string;
  /** Expenses paid back: left out of the 1099-NEC report. */
  isReimbursement?: boolean;
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
  checkTotal(items);
  if (tenant.environment !== 'sandbox') return;
  checkSandboxErrors(items.map((item) => item.payeeEmail));
}

/**
 * Sandbox payees whose address asks for a request error fail the whole request, whether the item
 * names them by email or by recipient id (then once the recipients are known).
 */
function checkSandboxErrors(emails: (string | undefined)[]): void {
  const behaviours = emails.map((email) => (email ? sandboxBehaviourOf(email) : undefined));
  const invalid = behaviours.indexOf('error_invalid_amount');
  if (invalid !== -1) throw new AppError('invalid_amount', INVALID_AMOUNT_MESSAGE, `payouts[${invalid}].amount`);
  if (behaviours.includes('error_insufficient_funds')) throw new AppError('insufficient_funds', INSUFFICIENT_FUNDS_MESSAGE);
}

/** A batch's total is stored and answered as one amount: it must stay exact in JSON. */
export function checkTotal(items: { amount: number }[]): void {
  const total = items.reduce((sum, item) => sum + BigInt(item.amount), 0n);
  if (!isWithinWireRange(total)) throw new AppError('invalid_amount', TOTAL_TOO_LARGE_MESSAGE, 'payouts');
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
 * (in email order, so concurrent batches cannot deadlock), then the batch, its payouts and their
 * first status updates in one statement. The hold on the balance is `holdFunds`, which the caller
 * MUST run as the transaction's last step: it posts the hold and commits. The hold locks the
 * organization's balance rows, which serializes concurrent batches so only affordable ones
 * succeed; committing with it keeps each batch's turn in that queue as short as one round trip.
 */
export async function createBatch(
  tx: Executor,
  tenant: Tenant,
  items: PayoutItemInput[],
  sandboxDelayMs: number,
): Promise<{ created: CreatedBatch; holdFunds: (last: Transaction) => Promise<void> }> {
  const { created, hold } = await writeBatch(tx, tenant, items, sandboxDelayMs);
  return { created, holdFunds: (last) => holdingFunds(() => post(last, [hold], { commit: true })) };
}

async function holdingFunds(hold: () => Promise<void>): Promise<void> {
  try {
    await hold();
  } catch (error) {
    if (error instanceof InsufficientBalanceError) throw new AppError('insufficient_funds', INSUFFICIENT_FUNDS_MESSAGE);
    throw error;
  }
}

/** Everything of a batch but the hold, which it answers as a ledger movement to post. */
async function writeBatch(tx: Executor, tenant: Tenant, items: PayoutItemInput[], sandboxDelayMs: number): Promise<{ created: CreatedBatch; hold: Movement }> {
  checkItems(tenant, items);
  // Opening the accounts (a read, nearly always) goes out with the recipients' look-up: one round trip.
  const [recipients] = await Promise.all([resolveRecipients(tx, tenant, items), ensureAccounts(tx, tenant, DEFAULT_CURRENCY)]);
  if (tenant.environment === 'sandbox') checkSandboxErrors(items.map((item, i) => (item.recipientId ? recipients[i]!.email : undefined)));
  const total = items.reduce((sum, item) => sum + BigInt(item.amount), 0n);
  const batchId = uuidv7();
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
      isReimbursement: item.isReimbursement === true,
      paidAt: null,
    };
  });
  const batch = { id: batchId, kind: 'payout' as const, currency: DEFAULT_CURRENCY, totalAmount: total };
  await insertBatchWithPayouts(
    tx,
    tenant,
    batch,
    payouts,
    new Date(),
    payouts.map(() => uuidv7()),
  );
  // Every payee is told, by one email each; one outbox row here whatever the batch's size.
  await queueBatchEmails(tx, tenant, batchId);
  return {
    created: {
      batchId,
      payouts: payouts.map((p, i) => ({
        id: p.id,
        payeeEmail: recipients[i]!.email,
        amount: items[i]!.amount,
        description: p.description,
        referenceId: p.referenceId,
      })),
    },
    hold: { tenant, currency: DEFAULT_CURRENCY, from: 'available', to: 'held', amount: total, kind: 'batch_hold', batchId },
  };
}
