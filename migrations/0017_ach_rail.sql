-- The ACH rail (issue #13): each organization's bank settings, the rail each payout is paid by,
-- the NACHA files cut (stored encrypted, exactly as generated), the entry each payout had in a
-- file with the bank details it used, and the return and correction entries applied.

-- One row per organization that set up ACH with its bank. ACH runs in production only.
create table ach_settings (
  organization_id uuid primary key references organizations (id),
  odfi_routing text not null,
  immediate_destination text not null,
  immediate_destination_name text not null,
  immediate_origin text not null,
  immediate_origin_name text not null,
  company_id text not null,
  company_name text not null,
  company_entry_description text not null,
  -- Balanced files carry an offset debit to the organization's own account.
  balanced boolean not null default false,
  offset_routing_number text,
  offset_account_encrypted text,
  offset_account_last4 text,
  offset_account_type text check (offset_account_type in ('checking', 'savings')),
  -- The bank's daily deadline, HH:MM in ACH_TIMEZONE: a file cut later goes the next banking day.
  cutoff_time text not null default '16:00',
  updated_at timestamptz not null default now(),
  updated_by text,
  check (not balanced or (offset_routing_number is not null and offset_account_encrypted is not null and offset_account_type is not null))
);

-- How a payout is paid, recorded when it becomes `pending`: 'sandbox', 'manual' or 'ach'.
alter table payouts add column rail text check (rail in ('sandbox', 'manual', 'ach'));
create index payouts_ach_pending on payouts (organization_id, id) where status = 'pending' and rail = 'ach';

-- Trace numbers are unique across every file ever cut: one sequence per ODFI (its 8-digit id).
create table ach_trace_sequences (
  odfi_identification text primary key,
  last_value bigint not null
);

create table ach_files (
  id uuid primary key,
  organization_id uuid not null references organizations (id),
  -- 'building' while a cut claims payouts (leased, so a crashed cut is finished by the next one).
  status text not null check (status in ('building', 'created', 'sent', 'settled', 'voided')),
  effective_date text not null,
  file_id_modifier text not null,
  created_on text not null,
  entry_count integer not null default 0,
  payout_count integer not null default 0,
  credit_total bigint not null default 0,
  debit_total bigint not null default 0,
  byte_length integer,
  sha256 text,
  lease_owner text,
  lease_expires_at timestamptz,
  created_by text not null,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  sent_by text,
  settled_at timestamptz,
  voided_at timestamptz,
  voided_by text,
  void_reason text
);
create index ach_files_by_organization on ach_files (organization_id, id desc);
create index ach_files_to_settle on ach_files (effective_date) where status = 'sent';

-- The file's text in order, each chunk encrypted (platform/crypto): read back byte for byte.
create table ach_file_chunks (
  file_id uuid not null references ach_files (id),
  seq integer not null,
  content_encrypted text not null,
  primary key (file_id, seq)
);

-- Each payout's entry in a file, with the bank details it was sent to. A payout has at most one
-- active entry: a voided file's entries are kept, inactive, and the payout can go in a new file.
create table ach_entries (
  id uuid primary key,
  file_id uuid not null references ach_files (id),
  organization_id uuid not null references organizations (id),
  payout_id uuid not null references payouts (id),
  recipient_id uuid not null references recipients (id),
  payout_method_id uuid not null references payout_methods (id),
  trace_number text not null unique,
  sec_code text not null check (sec_code in ('PPD', 'CCD')),
  transaction_code integer not null,
  amount bigint not null,
  routing_number text not null,
  account_number_encrypted text not null,
  account_number_last4 text not null,
  account_type text not null check (account_type in ('checking', 'savings')),
  holder_name text not null,
  active boolean not null default true
);
create unique index ach_entries_one_active_per_payout on ach_entries (payout_id) where active;
create index ach_entries_by_file on ach_entries (file_id, sec_code, trace_number);

-- Return (R) and correction (C) entries applied, once each per (original trace, code).
create table ach_return_entries (
  id uuid primary key,
  organization_id uuid not null references organizations (id),
  original_trace text not null,
  code text not null,
  kind text not null check (kind in ('return', 'correction')),
  payout_id uuid references payouts (id),
  outcome text not null,
  created_at timestamptz not null default now(),
  unique (organization_id, original_trace, code)
);
