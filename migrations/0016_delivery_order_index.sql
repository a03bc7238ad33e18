-- A delivery is claimed only when no earlier delivery of the same payout to the same endpoint is
-- pending. That check reads the payout's own few rows, led by payout_id (see the claim in
-- src/modules/webhooks/deliveries.repository.ts).
drop index webhook_deliveries_by_payout;
create index webhook_deliveries_pending_by_payout on webhook_deliveries (payout_id, sequence)
  where status = 'pending' and payout_id is not null;
