-- Payout methods and recipient readiness (issue #12). A recipient is ready when it has an active
-- payout method (tax forms join the rule later); the recipients service keeps `ready` in step.
alter table recipients add column country text;
alter table recipients add column ready boolean not null default false;
-- Once the recipient has set a method itself, the business may no longer replace it.
alter table recipients add column method_ever_set_by_recipient boolean not null default false;
-- After a method is replaced, payouts are held until then (a stolen key cannot redirect money at once).
alter table recipients add column payouts_held_until timestamptz;
-- Why the recipient is not ready (shown to it and the business), null when nothing is needed.
alter table recipients add column action_needed_reason text;

-- One row per method ever set; the active one has no `removed_at`. Account numbers are stored
-- encrypted (platform/crypto) with their last 4 in clear; routing numbers are public bank ids.
create table payout_methods (
  id uuid primary key,
  organization_id uuid not null references organizations (id),
  environment text not null check (environment in ('sandbox', 'production')),
  recipient_id uuid not null references recipients (id),
  type text not null check (type in ('us_bank_account', 'paypal')),
  account_holder_name text,
  account_holder_type text check (account_holder_type in ('individual', 'business')),
  routing_number text,
  account_number_encrypted text,
  account_number_last4 text,
  account_type text check (account_type in ('checking', 'savings')),
  paypal_email text,
  -- Who set it: 'recipient', 'user' or 'api_key', with the user's or key's id.
  set_by_kind text not null check (set_by_kind in ('recipient', 'user', 'api_key')),
  set_by_id text,
  created_at timestamptz not null default now(),
  removed_at timestamptz,
  removed_by_kind text check (removed_by_kind in ('recipient', 'user', 'api_key')),
  removed_by_id text,
  -- 'replaced' or 'removed'
  removal text check (removal in ('replaced', 'removed')),
  check (type <> 'us_bank_account' or (account_number_encrypted is not null and routing_number is not null and account_number_last4 is not null)),
  check (type <> 'paypal' or paypal_email is not null)
);
create unique index payout_methods_one_active on payout_methods (recipient_id) where removed_at is null;
create index payout_methods_by_recipient on payout_methods (organization_id, environment, recipient_id, id desc);
create index recipients_action_needed on recipients (organization_id, environment, id desc) where not ready;

alter table payouts add column accepted_at timestamptz;
