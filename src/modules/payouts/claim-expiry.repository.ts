// The scans of claim expiry: payouts waiting in `awaiting_acceptance`, across every organization
// and environment, walked oldest wait first through the partial indexes of migration 0015.
import type { Executor } from '../../platform/db/database.js';
import type { Environment } from '../../platform/tenant.js';
import { COLUMNS, type PayoutRecord, type PayoutRow, toPayout } from './payouts.repository.js';

/**
 * Locks up to `limit` payouts that entered `awaiting_acceptance` at least `days` ago, oldest
 * first. Rows another transaction holds (a recipient accepting right now, a second scan) are
 * skipped, not waited for: they are taken on a later pass if they still qualify.
 */
export async function lockUnclaimedPayouts(ex: Executor, days: number, limit: number): Promise<PayoutRecord[]> {
  const rows = await ex.query<PayoutRow>(
    `select ${COLUMNS} from payouts p
     where p.status = 'awaiting_acceptance' and p.status_changed_at <= now() - $1::integer * interval '1 day'
     order by p.status_changed_at limit $2
     for update skip locked`,
    [days, limit],
  );
  return rows.map(toPayout);
}

/** A payout whose claim reminder is due, with what the email needs. */
export interface ClaimReminderDue {
  payoutId: string;
  organizationId: string;
  environment: Environment;
  recipientId: string;
  recipientEmail: string;
  organizationName: string;
  amount: bigint;
  description: string | null;
  /** The payout's sequence in this wait: a reminder belongs to it. */
  sequence: number;
  statusChangedAt: Date;
}

/**
 * Marks up to `limit` payouts as reminded and answers them: those that entered
 * `awaiting_acceptance` between `expiryDays` and `remindAfterDays` ago and were not yet reminded
 * in this wait. Marking and answering are one statement, so a caller that queues the emails in the
 * same transaction queues each reminder exactly once, even with two scans running at once.
 */
export async function markClaimRemindersDue(ex: Executor, remindAfterDays: number, expiryDays: number, limit: number): Promise<ClaimReminderDue[]> {
  const rows = await ex.query<{
    id: string;
    organization_id: string;
    environment: Environment;
    recipient_id: string;
    amount: bigint;
    description: string | null;
    sequence: number;
    status_changed_at: Date;
    email: string;
    name: string;
  }>(
    `with due as (
       select p.id from payouts p
       where p.status = 'awaiting_acceptance' and p.claim_reminded_sequence is distinct from p.sequence
         and p.status_changed_at <= now() - $1::integer * interval '1 day'
         and p.status_changed_at > now() - $2::integer * interval '1 day'
       order by p.status_changed_at limit $3
       for update skip locked
     ), marked as (
       update payouts p set claim_reminded_sequence = p.sequence from due where p.id = due.id
       returning p.id, p.organization_id, p.environment, p.recipient_id, p.amount, p.description, p.sequence, p.status_changed_at
     )
     select m.*, r.email, o.name from marked m
     join recipients r on r.id = m.recipient_id
     join organizations o on o.id = m.organization_id`,
    [remindAfterDays, expiryDays, limit],
  );
  return rows.map((r) => ({
    payoutId: r.id,
    organizationId: r.organization_id,
    environment: r.environment,
    recipientId: r.recipient_id,
    recipientEmail: r.email,
    organizationName: r.name,
    amount: r.amount,
    description: r.description,
    sequence: r.sequence,
    statusChangedAt: r.status_changed_at,
  }));
}
