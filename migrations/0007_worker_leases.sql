-- Live leases per subscription are counted on every delivery claim (the per-endpoint cap): a
-- small partial index over leased rows keeps that count cheap however long the backlog is.
create index webhook_deliveries_leased on webhook_deliveries (subscription_id) where lease_owner is not null;
-- Each subscription below its cap is read for its free slots only, in due order.
create index webhook_deliveries_due_by_subscription on webhook_deliveries (subscription_id, next_attempt_at) where status = 'pending';
