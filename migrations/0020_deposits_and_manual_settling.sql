-- Production from the web (issue #14): funding deposits recorded by an operator, their reversal,
-- the organization's funding instructions, and who recorded a payout's manual outcome.

-- A deposit is the operator's statement that money arrived in the organization's bank account:
-- it credits the available balance once, through the ledger. The bank reference makes recording
-- idempotent: per organization and environment, one reference is one deposit (compared without
-- regard to case or surrounding spaces, so "wire-42" typed again as "WIRE-42" cannot credit twice).
-- A mistake is corrected by a reversing ledger entry; the row only gains when and why, never edits.
create table balance_deposits (
  id uuid primary key,
  organization_id uuid not null references organizations (id),
  environment text not null check (environment in ('sandbox', 'production')),
  currency text not null,
  amount bigint not null check (amount > 0),
  bank_reference text not null check (char_length(bank_reference) between 1 and 100),
  received_on date not null,
  -- Who recorded it: a dashboard user (id and email at the time) or the CLI ('cli', no user).
  recorded_by text not null,
  recorded_by_user_id uuid,
  created_at timestamptz not null default now(),
  reversed_at timestamptz,
  reversed_by text,
  reversal_reason text check (char_length(reversal_reason) between 1 and 500),
  check ((reversed_at is null) = (reversed_by is null) and (reversed_at is null) = (reversal_reason is null))
);
create unique index balance_deposits_reference on balance_deposits (organization_id, environment, lower(bank_reference));
create index balance_deposits_by_tenant on balance_deposits (organization_id, environment, id desc);

-- Shown on the Balance page in production: where to wire money. Plain text, never HTML.
alter table organizations add column funding_instructions text check (char_length(funding_instructions) between 1 and 2000);

-- Who recorded a status by hand (a dashboard user's email, or 'cli'); null for the system's moves.
alter table payout_status_updates add column recorded_by text;
