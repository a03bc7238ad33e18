-- The 1099-NEC report (issue #15) sums a year of paid payouts per recipient: completed payouts by
-- when they completed, external payments by when they were paid (else recorded), reimbursements
-- left out. This index holds exactly those rows, ordered by that date, with what the sum needs,
-- so a year's report reads one index range instead of every payout of the organization. The
-- columns of the date expression are included too: PostgreSQL answers from the index alone
-- (an index-only scan) only when every column the query names is in it.
create index payouts_nec_paid on payouts (
  organization_id, environment,
  (case when kind = 'external' then coalesce(paid_at, created_at) else status_changed_at end)
) include (recipient_id, amount, kind, paid_at, created_at, status_changed_at)
where status = 'completed' and not is_reimbursement;
