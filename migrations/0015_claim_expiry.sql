-- Unclaimed payouts expire: a payout left in `awaiting_acceptance` for CLAIM_EXPIRY_DAYS is
-- canceled, and its recipient is reminded 7 days before. Both count from when the payout entered
-- that status (it can come back to it from `pending` when its recipient loses readiness, and
-- then gets the full time again), so each payout now carries when its status last changed.
alter table payouts add column status_changed_at timestamptz not null default now();
-- The payout's `sequence` when its claim reminder was queued: a reminder belongs to one wait, so a
-- payout back in `awaiting_acceptance` later (a new sequence) is reminded again, once.
alter table payouts add column claim_reminded_sequence integer;

-- Existing payouts: the time of the status update that recorded their current status.
update payouts p set status_changed_at = u.created_at
from payout_status_updates u
where u.payout_id = p.id and u.sequence = p.sequence;

-- The two periodic scans walk these in time order and stop at the first row not yet due, so a
-- run costs what it changes, however many payouts wait: expiry reads the waiting payouts, the
-- reminder only those not yet reminded in their current wait.
create index payouts_awaiting_acceptance on payouts (status_changed_at) where status = 'awaiting_acceptance';
create index payouts_claim_reminder_due on payouts (status_changed_at)
  where status = 'awaiting_acceptance' and claim_reminded_sequence is distinct from sequence;
