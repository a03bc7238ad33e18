-- The payout list (GET /payments) fast at 1,000,000 payouts and more (issue #16): a filtered page
-- is read in the list's own order from one index and stops after a page of rows, instead of
-- walking the tenant's payouts newest first and discarding those that do not match.
--
-- A status, newest first: a rare status (or one no recent payout has) walked the whole tenant.
create index payouts_by_tenant_status on payouts (organization_id, environment, status, id desc);
-- A creation-time range, which the list orders by created_at, then id: read newest first from
-- here, however far back the range is. The same index as migration 0022's, with id added to its
-- key; the overview's counts per day and status still read it alone (status and amount included).
drop index payouts_created_by_tenant;
create index payouts_created_by_tenant on payouts (organization_id, environment, created_at, id) include (status, amount);
