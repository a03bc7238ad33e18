// Funding deposits: an operator records money that reached the organization's bank account, and
// the available balance is credited through the ledger, once per bank reference. A mistake is
// corrected by a reversing posting, never by editing or deleting anything.
import type { Database } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { isUuid, uuidv7 } from '../../platform/ids.js';
import { DEFAULT_CURRENCY, formatMoney, MAX_AMOUNT } from '../../platform/money.js';
import type { Tenant } from '../../platform/tenant.js';
import * as repo from './deposits.repository.js';
import type { DepositRecord } from './deposits.repository.js';
import { BalanceOutOfRangeError, FUNDING_TOO_LARGE_MESSAGE, InsufficientBalanceError, post, readBalance } from './ledger.service.js';

export type { DepositRecord };

export const MAX_BANK_REFERENCE_LENGTH = 100;
export const MAX_REVERSAL_REASON_LENGTH = 500;

/** Who records: a dashboard user (by email) or the CLI, run by whoever holds the server's shell. */
export interface Recorder {
  label: string;
  userId: string | null;
}
export const CLI_RECORDER: Recorder = { label: 'cli', userId: null };

export interface DepositInput {
  amount: bigint;
  bankReference: string;
  receivedOn: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function checkBankReference(value: string): string {
  const reference = value.trim();
  if (reference === '') throw new AppError('invalid_request', 'Give the bank reference of the transfer (as on the bank statement).', 'bankReference');
  if (CONTROL.test(reference)) throw new AppError('invalid_request', 'The bank reference must be one line, without control characters.', 'bankReference');
  if (reference.length > MAX_BANK_REFERENCE_LENGTH) {
    throw new AppError('invalid_request', `The bank reference can be at most ${MAX_BANK_REFERENCE_LENGTH} characters.`, 'bankReference');
  }
  return reference;
}

/**
 * A real calendar day, not after today. "Today" is the latest date anywhere on Earth (UTC+14), so
 * an operator east of Greenwich recording this morning's wire is never told it is in the future.
 */
export function checkReceivedOn(value: string, now: Date = new Date()): string {
  const match = ISO_DATE.exec(value);
  const day = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
  if (!day || day.toISOString().slice(0, 10) !== value || day.getUTCFullYear() < 2000) {
    throw new AppError('invalid_request', 'The date received must be a date such as 2026-03-31.', 'receivedOn');
  }
  const latestToday = new Date(now.getTime() + 14 * 3600_000).toISOString().slice(0, 10);
  if (value > latestToday) throw new AppError('invalid_request', 'The date received cannot be in the future.', 'receivedOn');
  return value;
}

function checkAmount(amount: bigint): bigint {
  if (amount <= 0n || amount > MAX_AMOUNT)
    throw new AppError('invalid_amount', 'The deposit amount must be a whole number of cents greater than zero.', 'amount');
  return amount;
}

/**
 * Records a deposit and credits available, or answers the one already recorded under that bank
 * reference (crediting nothing): `created` says which. The same reference with another amount
 * or date is a conflict, for a person to look at, never a second credit.
 */
export async function recordDeposit(
  db: Database,
  tenant: Tenant,
  input: DepositInput,
  recorder: Recorder,
): Promise<{ deposit: DepositRecord; created: boolean }> {
  const amount = checkAmount(input.amount);
  const bankReference = checkBankReference(input.bankReference);
  const receivedOn = checkReceivedOn(input.receivedOn);
  return db.transaction(async (tx) => {
    const inserted = await repo.insertDepositIfNew(tx, tenant, {
      id: uuidv7(),
      currency: DEFAULT_CURRENCY,
      amount,
      bankReference,
      receivedOn,
      recordedBy: recorder.label,
      recordedByUserId: recorder.userId,
    });
    if (inserted) {
      try {
        await post(tx, [{ tenant, currency: inserted.currency, from: 'funding', to: 'available', amount, kind: 'deposit' }]);
      } catch (error) {
        if (error instanceof BalanceOutOfRangeError) throw new AppError('invalid_amount', FUNDING_TOO_LARGE_MESSAGE, 'amount');
        throw error;
      }
      return { deposit: inserted, created: true };
    }
    const existing = (await repo.findDepositByReference(tx, tenant, bankReference))!;
    if (existing.amount !== amount || existing.receivedOn !== receivedOn) {
      throw new AppError(
        'conflict',
        `Bank reference ${existing.bankReference} is already recorded, for ${formatMoney(existing.amount)} received on ${existing.receivedOn}. ` +
          `Nothing was credited. If that deposit was wrong, reverse it and record the correct one under a new reference (e.g. ${existing.bankReference}-corrected).`,
        'bankReference',
      );
    }
    return { deposit: existing, created: false };
  });
}

/**
 * Takes a deposit back out of available with a reversing posting, once. Refused when available
 * cannot cover it (money already held for payouts or paid out): balances never go negative.
 */
export async function reverseDeposit(db: Database, tenant: Tenant, id: string, reason: string, recorder: Recorder): Promise<DepositRecord> {
  const why = reason.trim();
  if (why === '') throw new AppError('invalid_request', 'Say why the deposit is reversed.', 'reason');
  if (why.length > MAX_REVERSAL_REASON_LENGTH) {
    throw new AppError('invalid_request', `The reason can be at most ${MAX_REVERSAL_REASON_LENGTH} characters.`, 'reason');
  }
  return db.transaction(async (tx) => {
    const deposit = isUuid(id) ? await repo.findDepositById(tx, tenant, id, { forUpdate: true }) : undefined;
    if (!deposit) throw notFound('deposit', 'id');
    if (deposit.reversedAt) {
      throw new AppError('invalid_state', `This deposit was already reversed on ${deposit.reversedAt.toISOString().slice(0, 10)}.`, 'id');
    }
    const { available } = await readBalance(tx, tenant, deposit.currency);
    if (available < deposit.amount) throw cannotCover(deposit, available);
    const reversed = (await repo.markDepositReversed(tx, tenant, id, { by: recorder.label, reason: why }))!;
    try {
      await post(tx, [{ tenant, currency: deposit.currency, from: 'available', to: 'funding', amount: deposit.amount, kind: 'deposit_reversal' }]);
    } catch (error) {
      // Another posting took available below the deposit between the read and here.
      if (error instanceof InsufficientBalanceError) throw cannotCover(deposit, available);
      throw error;
    }
    return reversed;
  });
}

const cannotCover = (deposit: DepositRecord, available: bigint) =>
  new AppError(
    'invalid_state',
    `The available balance (${formatMoney(available, deposit.currency)}) cannot cover reversing this ${formatMoney(deposit.amount, deposit.currency)} deposit: ` +
      'part of it is held for payouts or paid out. Nothing was changed.',
    'id',
  );

export const listDeposits = repo.listDeposits;
