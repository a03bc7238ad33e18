create table webhook_subscriptions (
  id uuid primary key,
  organization_id uuid not null references organizations (id),
  environment text not null check (environment in ('sandbox', 'production')),
  event_name text not null,
  callback_url text not null,
  status text not null default 'active' check (status in ('active', 'disabled', 'deleted')),
  disabled_reason text,
  -- Set at the first failed attempt after a success; a subscription failing for days is disabled.
  failing_since timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index webhook_subscriptions_by_tenant on webhook_subscriptions (organization_id, environment, event_name) where status = 'active';

-- Signing secrets. Several are live during a rotation's overlap; each delivery is signed by all.
create table webhook_secrets (
  id uuid primary key,
  subscription_id uuid not null references webhook_subscriptions (id),
  secret text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz
);
create index webhook_secrets_by_subscription on webhook_secrets (subscription_id);

-- One delivery per event and subscription; its id is the webhook id the receiver sees, the same
-- on every retry. Deliveries are the work queue of the delivery workers.
create table webhook_deliveries (
  id uuid primary key,
  subscription_id uuid not null references webhook_subscriptions (id),
  event_id uuid not null references events (id),
  organization_id uuid not null,
  environment text not null,
  -- Deliveries of one payout go out in sequence order.
  payout_id uuid,
  sequence integer,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempt_count integer not null default 0,
  next_attempt_at timestamptz,
  lease_expires_at timestamptz,
  lease_owner text,
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  unique (subscription_id, event_id)
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_by_payout on webhook_deliveries (subscription_id, payout_id, sequence) where status = 'pending';
create index webhook_deliveries_by_subscription on webhook_deliveries (subscription_id, id desc);

create table webhook_attempts (
  id uuid primary key,
  delivery_id uuid not null references webhook_deliveries (id),
  subscription_id uuid not null,
  attempted_at timestamptz not null,
  status_code integer,
  duration_ms integer not null,
  error text,
  response_excerpt text
);
create index webhook_attempts_by_delivery on webhook_attempts (delivery_id, attempted_at);
