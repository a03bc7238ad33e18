// Cutting a NACHA file (SPEC "ACH rail"): every pending, not-held ACH payout of one organization is
// claimed exactly once, in bounded slices of one short transaction each, then the file is written
// from its entries, page by page, into encrypted chunks. The file row is leased while it is being
// built: if the process dies mid-cut, its payouts are already `processing` with an entry in this
// one file, and whoever finds the lease run out (the next cut, or the worker's periodic task)
// writes the file from those entries. No payout is lost and none is in two files.
import type { Database, Executor } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import { uuidv7 } from '../../platform/ids.js';
import { newLeaseOwner } from '../../platform/queue/lease.js';
import { applyMoves, lockPendingAchPayouts, setPendingRail } from '../payouts/index.js';
import { findActiveBankAccounts } from '../recipients/index.js';
import { type BuildOptions, buildFile } from './build.js';
import * as files from './files.repository.js';
import { effectiveEntryDate, localDateTime } from './nacha/index.js';
import { findAchSettings } from './settings.repository.js';

/** Payouts per transaction: bounds how long a slice holds its payout, balance and sequence locks. */
export const CUT_SLICE = 500;
/** File id modifiers in order: up to 36 files an organization may cut in one day. */
const MODIFIERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export const NOTHING_TO_CUT = 'There are no pending ACH payouts to put in a file.';

export interface CutOptions extends BuildOptions {
  /** Who cut it: `user:<id>`, `api_key:<id>`, `cli` or `schedule`. */
  by: string;
  now?: Date;
  /** A scheduled cut skips an organization another worker already cut for since this tick. */
  scheduledTick?: Date;
}

/** Cuts one file of the organization's pending ACH payouts; undefined for a scheduled cut that another worker made. */
export async function cutFile(db: Database, organizationId: string, options: CutOptions): Promise<files.AchFileRecord | undefined> {
  const owner = newLeaseOwner();
  await finishAbandonedFiles(db, options, organizationId);
  const now = options.now ?? new Date();
  const fileId = uuidv7();
  const started = await db.transaction(async (tx) => {
    // The settings row lock serializes the start of the organization's cuts: modifiers stay unique.
    const settings = await findAchSettings(tx, organizationId, { lock: true });
    if (!settings) throw new AppError('invalid_state', 'ACH is not set up for this organization: an admin enters the bank settings in Settings → Bank.');
    if (options.scheduledTick && (await files.scheduledCutSince(tx, organizationId, options.scheduledTick))) return false;
    const today = localDateTime(now, options.timeZone).date;
    const used = new Set(await files.modifiersUsedOn(tx, organizationId, today));
    const modifier = [...MODIFIERS].find((m) => !used.has(m));
    if (!modifier) throw new AppError('invalid_state', 'This organization has cut 36 files today, the most one day allows (file id modifiers A–Z, 0–9).');
    await files.insertBuildingFile(tx, {
      id: fileId,
      organizationId,
      effectiveDate: effectiveEntryDate(now, options.timeZone, settings.cutoffTime),
      fileIdModifier: modifier,
      createdOn: today,
      createdBy: options.by,
      leaseOwner: owner,
      leaseSeconds: options.leaseSeconds,
    });
    return true;
  });
  if (!started) return undefined;

  let total = 0;
  for (;;) {
    const slice = await db.transaction((tx) => claimSlice(tx, organizationId, fileId, owner, options.leaseSeconds));
    total += slice.added;
    if (slice.locked < CUT_SLICE) break;
  }
  if (total === 0) {
    await files.deleteEmptyBuildingFile(db, fileId, owner);
    throw new AppError('invalid_state', NOTHING_TO_CUT);
  }
  const file = await files.findFileById(db, fileId);
  await buildFile((fn) => db.transaction(fn), file!, owner, options);
  return files.findFile(db, organizationId, fileId);
}

/** One slice: lock pending ACH payouts, move them to `processing` and give each an entry with a trace number. */
async function claimSlice(tx: Executor, organizationId: string, fileId: string, owner: string, leaseSeconds: number) {
  const payouts = await lockPendingAchPayouts(tx, organizationId, CUT_SLICE);
  if (payouts.length === 0) return { locked: 0, added: 0 };
  const tenant = { organizationId, environment: 'production' as const };
  const accounts = await findActiveBankAccounts(tx, tenant, [...new Set(payouts.map((p) => p.recipientId))]);
  // A recipient that switched to another kind of method since its payout became pending: by hand.
  await setPendingRail(
    tx,
    payouts.filter((p) => !accounts.has(p.recipientId)).map((p) => p.id),
    'manual',
  );
  const applied = await applyMoves(
    tx,
    payouts.filter((p) => accounts.has(p.recipientId)).map((payout) => ({ payout, to: 'processing', nextActionDelayMs: null })),
  );
  if (applied.length === 0) return { locked: payouts.length, added: 0 };
  const settings = (await findAchSettings(tx, organizationId))!;
  const odfi = settings.odfiRouting.slice(0, 8);
  const first = await files.reserveTraceNumbers(tx, odfi, applied.length);
  const entries: files.NewAchEntry[] = applied.map((move, i) => {
    const account = accounts.get(move.payout.recipientId)!;
    const checking = account.accountType === 'checking';
    return {
      id: uuidv7(),
      fileId,
      organizationId,
      payoutId: move.payout.id,
      recipientId: move.payout.recipientId,
      payoutMethodId: account.methodId,
      traceNumber: `${odfi}${(first + BigInt(i)).toString().padStart(7, '0')}`,
      secCode: account.holderType === 'business' ? 'CCD' : 'PPD',
      transactionCode: checking ? 22 : 32,
      amount: move.payout.amount,
      routingNumber: account.routingNumber,
      accountNumberEncrypted: account.accountNumberEncrypted,
      accountNumberLast4: account.accountNumberLast4,
      accountType: account.accountType,
      holderName: account.holderName,
    };
  });
  await files.insertEntries(tx, entries);
  const credit = entries.reduce((sum, e) => sum + e.amount, 0n);
  // Lost the file (our lease ran out and someone finished it): undo this slice.
  if (!(await files.addToBuildingFile(tx, fileId, owner, entries.length, credit, leaseSeconds))) {
    throw new AppError('internal_error', 'The bank file being cut was taken over by another process; try the cut again.');
  }
  return { locked: payouts.length, added: entries.length };
}

/** Writes the files whose cut stopped half-way (a crash): from the entries they already have. */
export async function finishAbandonedFiles(db: Database, options: BuildOptions, organizationId?: string): Promise<number> {
  const owner = newLeaseOwner();
  const abandoned = await files.takeOverAbandonedFiles(db, owner, options.leaseSeconds, organizationId);
  for (const file of abandoned) {
    if (file.payoutCount === 0) await files.deleteEmptyBuildingFile(db, file.id, owner);
    else await buildFile((fn) => db.transaction(fn), file, owner, options);
  }
  return abandoned.length;
}
