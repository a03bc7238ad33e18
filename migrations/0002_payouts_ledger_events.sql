create table recipients (
  id uuid primary key,
  organization_id uuid not null references organizations (id),
  environment text not null check (environment in ('sandbox', 'production')),
  -- Lower-cased and trimmed: one recipient per address per organization and environment.
  email text not null,
  first_name text,
  last_name text,
  nickname text,
  should_collect_tax_info boolean not null default false,
  auto_accept_payouts boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (organization_id, environment, email)
);
create index recipients_by_tenant on recipients (organization_id, environment, id desc);

create table batches (
  id uuid primary key,
  organization_id uuid not null references organizations (id),
  environment text not null check (environment in ('sandbox', 'production')),
  -- 'payout' moves money; 'external' only records payments made elsewhere.
  kind text not null check (kind in ('payout', 'external')),
  currency text not null,
  payout_count integer not null,
  total_amount bigint not null check (total_amount >= 0),
  created_at timestamptz not null default now()
);
create index batches_by_tenant on batches (organization_id, environment, id desc);

create table payouts (
  id uuid primary key,
  organization_id uuid not null references organizations (id),
  environment text not null check (environment in ('sandbox', 'production')),
  batch_id uuid not null references batches (id),
  recipient_id uuid not null references recipients (id),
  -- As the batch's kind: only 'payout' payouts move money.
  kind text not null check (kind in ('payout', 'external')),
  amount bigint not null check (amount > 0),
  currency text not null,
  description text,
  reference_id text,
  status text not null check (status in ('created', 'pending', 'awaiting_acceptance', 'processing', 'completed', 'failed', 'returned', 'canceled')),
  status_reason text,
  -- How many status updates the payout has had; the next one gets sequence + 1.
  sequence integer not null default 1,
  -- The sandbox scenario chosen by the payee's address at creation (null in production).
  sandbox_scenario text,
  external_idempotency_key text,
  -- Work queue: due payouts are advanced by the worker. A claim sets a lease so a crashed
  -- worker's payouts are taken again once it runs out.
  next_action_at timestamptz,
  lease_expires_at timestamptz,
  lease_owner text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index payouts_by_tenant on payouts (organization_id, environment, id desc);
create index payouts_by_batch on payouts (batch_id, id);
create index payouts_by_recipient on payouts (recipient_id, id desc);
create index payouts_by_reference on payouts (organization_id, environment, reference_id) where reference_id is not null;
create index payouts_due on payouts (next_action_at) where next_action_at is not null;
create unique index payouts_external_idempotency on payouts (organization_id, environment, external_idempotency_key)
  where external_idempotency_key is not null;

create table payout_status_updates (
  id uuid primary key,
  payout_id uuid not null references payouts (id),
  organization_id uuid not null,
  environment text not null,
  sequence integer not null,
  status text not null,
  reason text,
  created_at timestamptz not null default now(),
  -- A payout can never be advanced twice from the same state: the second write collides here.
  unique (payout_id, sequence)
);

create table events (
  id uuid primary key,
  organization_id uuid not null,
  environment text not null,
  type text not null,
  payout_id uuid,
  data jsonb not null,
  created_at timestamptz not null default now()
);
create index events_by_tenant on events (organization_id, environment, id desc);
create index events_by_payout on events (payout_id, id) where payout_id is not null;

-- Double-entry ledger. Every movement is one posting of entries that sum to zero; balances are
-- kept per account in the same transaction and may never go negative (except the external
-- funding account, which mirrors money brought in from outside).
create table ledger_entries (
  id uuid primary key,
  posting_id uuid not null,
  organization_id uuid not null,
  environment text not null,
  currency text not null,
  account text not null check (account in ('funding', 'available', 'held', 'paid_out')),
  amount bigint not null check (amount <> 0),
  kind text not null,
  batch_id uuid,
  payout_id uuid,
  created_at timestamptz not null default now()
);
create index ledger_entries_by_tenant on ledger_entries (organization_id, environment, currency, id desc);
create index ledger_entries_by_payout on ledger_entries (payout_id) where payout_id is not null;
create index ledger_entries_by_batch on ledger_entries (batch_id) where batch_id is not null;

create table ledger_balances (
  organization_id uuid not null,
  environment text not null,
  currency text not null,
  account text not null,
  balance bigint not null,
  primary key (organization_id, environment, currency, account),
  constraint ledger_balances_never_negative check (balance >= 0 or account = 'funding')
);

create table idempotency_keys (
  organization_id uuid not null,
  environment text not null,
  key text not null,
  request_hash text not null,
  -- Set while a request holds the key; cleared when its response is stored.
  lock_token uuid,
  locked_at timestamptz,
  response_status integer,
  response_body text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (organization_id, environment, key)
);
create index idempotency_keys_expiry on idempotency_keys (expires_at);
