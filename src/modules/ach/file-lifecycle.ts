// A bank file's life (SPEC "ACH rail"): `created` → `sent` (the operator uploaded it to the bank) →
// `settled` (the worker, once its effective date has ended, completes its payouts); or `voided`
// before that (rejected by the bank, never sent), which sends its payouts back to `pending` for
// the next file. A file never marked sent never settles.
import type { Database, Executor } from '../../platform/db/database.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import { isUuid } from '../../platform/ids.js';
import { applyMoves, findPayoutsByIdsForUpdate } from '../payouts/index.js';
import * as files from './files.repository.js';
import { localDateTime } from './nacha/index.js';

export const VOIDED_REASON = 'Bank file voided';
/** Payouts completed per transaction when a file settles. */
export const SETTLE_SLICE = 1000;

const PRODUCTION = (organizationId: string) => ({ organizationId, environment: 'production' as const });

async function lockFile(tx: Executor, organizationId: string, id: string): Promise<files.AchFileRecord> {
  const file = isUuid(id) ? await files.findFile(tx, organizationId, id, { forUpdate: true }) : undefined;
  if (!file) throw notFound('bank file', 'id');
  return file;
}

export async function getFile(db: Database, organizationId: string, id: string): Promise<files.AchFileRecord> {
  const file = isUuid(id) ? await files.findFile(db, organizationId, id) : undefined;
  if (!file) throw notFound('bank file', 'id');
  return file;
}

/** The operator uploaded the file to the bank: from now on it settles at the end of its effective date. */
export async function markFileSent(db: Database, organizationId: string, id: string, by: string): Promise<files.AchFileRecord> {
  await db.transaction(async (tx) => {
    const file = await lockFile(tx, organizationId, id);
    if (file.status !== 'created')
      throw new AppError('invalid_state', `This bank file is \`${file.status}\`; only a \`created\` file can be marked sent.`, 'id');
    await files.updateFileStatus(tx, file.id, { status: 'sent', by });
  });
  return getFile(db, organizationId, id);
}

/**
 * Voids a file the bank rejected or that will never be sent: its entries end and its payouts go
 * back to `pending` (reason "Bank file voided"), ready for the next file. One transaction, so a
 * void is all or nothing.
 */
export async function voidFile(db: Database, organizationId: string, id: string, by: string, reason: string | null): Promise<files.AchFileRecord> {
  await db.transaction(async (tx) => {
    const file = await lockFile(tx, organizationId, id);
    if (file.status !== 'created' && file.status !== 'sent') {
      throw new AppError('invalid_state', `This bank file is \`${file.status}\`; only a \`created\` or \`sent\` file can be voided.`, 'id');
    }
    const payoutIds = await files.deactivateEntries(tx, file.id);
    for (let i = 0; i < payoutIds.length; i += SETTLE_SLICE) {
      const payouts = await findPayoutsByIdsForUpdate(tx, PRODUCTION(organizationId), payoutIds.slice(i, i + SETTLE_SLICE));
      await applyMoves(
        tx,
        payouts.filter((p) => p.status === 'processing').map((payout) => ({ payout, to: 'pending', reason: VOIDED_REASON, nextActionDelayMs: null })),
      );
    }
    await files.updateFileStatus(tx, file.id, { status: 'voided', by, reason });
  });
  return getFile(db, organizationId, id);
}

/**
 * One slice of settlement: the oldest sent file whose effective date has ended in the bank's time
 * zone has up to SETTLE_SLICE of its payouts completed; a file with none left becomes `settled`.
 * Answers 0 when no file is due, else a full slice, so the schedule calls again: more of this
 * file, or the next due file, may be waiting.
 */
export async function settleDueSlice(tx: Executor, timeZone: string, now: Date = new Date()): Promise<number> {
  const today = localDateTime(now, timeZone).date;
  const file = await files.lockFileToSettle(tx, today);
  if (!file) return 0;
  const ids = await files.processingPayoutsOf(tx, file.id, SETTLE_SLICE);
  const payouts = await findPayoutsByIdsForUpdate(tx, PRODUCTION(file.organizationId), ids);
  await applyMoves(
    tx,
    payouts.filter((p) => p.status === 'processing').map((payout) => ({ payout, to: 'completed', nextActionDelayMs: null })),
  );
  if (ids.length < SETTLE_SLICE) await files.updateFileStatus(tx, file.id, { status: 'settled' });
  return SETTLE_SLICE;
}
