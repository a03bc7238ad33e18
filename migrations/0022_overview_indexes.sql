-- The dashboard's overview page (GET /overview), fast at millions of payouts:
-- payouts of the last 30 days per day and status, read from the index alone (status and amount
-- ride along, so no table row is visited);
create index payouts_created_by_tenant on payouts (organization_id, environment, created_at) include (status, amount);
-- the most recent failures and returns, without walking the tenant's other payouts;
create index payouts_problems_by_tenant on payouts (organization_id, environment, status_changed_at desc, id desc)
  where status in ('failed', 'returned');
-- and the emails that could not be sent.
create index emails_failed_by_tenant on emails (organization_id, environment, created_at desc) where status = 'failed';
