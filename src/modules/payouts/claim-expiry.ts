// Unclaimed payouts expire (SPEC "Unclaimed payouts expire"): a payout still waiting in
// `awaiting_acceptance` CLAIM_EXPIRY_DAYS after it entered that status is canceled through the
// ordinary transition (status update, `payout.updated` event and webhook, emails, funds released),
// and its recipient is reminded once, 7 days before. Both environments: sandbox integrators can
// watch it happen. Two periodic tasks walk the waiting payouts in slices of one short
// transaction each, so neither a million waiting payouts nor a crash mid-run needs anything else.
import type { Executor } from '../../platform/db/database.js';
import type { PeriodicTask } from '../../platform/schedule/schedule.js';
import { queueEmails } from '../emails/index.js';
import { type ClaimReminderDue, lockUnclaimedPayouts, markClaimRemindersDue } from './claim-expiry.repository.js';
import { applyMoves } from './transitions.js';

/** Payouts per transaction: bounds how long a slice holds its row and balance locks. */
export const CLAIM_EXPIRY_SLICE = 500;
export const CLAIM_REMINDER_DAYS_BEFORE = 7;

export const claimExpiryReason = (days: number) => `Not accepted within ${days} days`;

const DAY_MS = 24 * 3600 * 1000;

/** Cancels one slice of payouts whose wait ran out; answers how many it took. */
export async function expireUnclaimedSlice(tx: Executor, expiryDays: number, limit: number = CLAIM_EXPIRY_SLICE): Promise<number> {
  const payouts = await lockUnclaimedPayouts(tx, expiryDays, limit);
  await applyMoves(
    tx,
    payouts.map((payout) => ({ payout, to: 'canceled', reason: claimExpiryReason(expiryDays), nextActionDelayMs: null })),
  );
  return payouts.length;
}

/** Queues one slice of claim reminders; answers how many it queued. */
export async function remindUnclaimedSlice(tx: Executor, expiryDays: number, limit: number = CLAIM_EXPIRY_SLICE): Promise<number> {
  const due = await markClaimRemindersDue(tx, expiryDays - CLAIM_REMINDER_DAYS_BEFORE, expiryDays, limit);
  // One insert per tenant in the slice, not one per email: on the embedded database a slice of
  // single-row inserts held its one connection for seconds.
  const byTenant = new Map<string, ClaimReminderDue[]>();
  for (const reminder of due) {
    const key = `${reminder.organizationId}:${reminder.environment}`;
    const reminders = byTenant.get(key);
    if (reminders) reminders.push(reminder);
    else byTenant.set(key, [reminder]);
  }
  for (const reminders of byTenant.values()) {
    const { organizationId, environment } = reminders[0]!;
    await queueEmails(
      tx,
      { organizationId, environment },
      reminders.map((reminder) => ({
        recipientId: reminder.recipientId,
        to: reminder.recipientEmail,
        template: 'claim_reminder' as const,
        data: {
          organizationName: reminder.organizationName,
          payout: { id: reminder.payoutId, amount: Number(reminder.amount), description: reminder.description },
          expiresOn: new Date(reminder.statusChangedAt.getTime() + expiryDays * DAY_MS).toISOString().slice(0, 10),
        },
        // The mark above already makes it once; the key keeps it once should a writer ever repeat.
        dedupeKey: `claim_reminder:${reminder.payoutId}:${reminder.sequence}`,
      })),
    );
  }
  return due.length;
}

export const expireUnclaimedPayouts: PeriodicTask = {
  name: 'expire-unclaimed-payouts',
  cron: '*/10 * * * *',
  slice: CLAIM_EXPIRY_SLICE,
  run: (tx, ctx) => expireUnclaimedSlice(tx, ctx.config.claimExpiryDays),
};

export const remindUnclaimedPayouts: PeriodicTask = {
  name: 'remind-unclaimed-payouts',
  cron: '5-59/10 * * * *',
  slice: CLAIM_EXPIRY_SLICE,
  run: (tx, ctx) => remindUnclaimedSlice(tx, ctx.config.claimExpiryDays),
};
