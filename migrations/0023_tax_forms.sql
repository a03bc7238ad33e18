-- Tax forms and year-end reporting (issue #15).
--
-- A signed W-9 or W-8BEN is immutable; a new one supersedes the recipient's current form. What the
-- recipient typed is sealed whole in `details_encrypted` (platform/crypto, AES-256-GCM). The
-- columns in clear are only what lists, readiness and the 1099-NEC report need: never a TIN, only
-- its last 4 and a keyed hash (HMAC, prefixed with the key id) to group payees by TIN.
create table tax_forms (
  id uuid primary key,
  organization_id uuid not null references organizations (id),
  environment text not null check (environment in ('sandbox', 'production')),
  recipient_id uuid not null references recipients (id),
  form_type text not null check (form_type in ('w9', 'w8ben')),
  legal_name text not null,
  business_name text,
  -- W-9 line 3a (null on a W-8BEN): individual, c_corporation, s_corporation, partnership,
  -- trust_estate, llc_c, llc_s, llc_p, other.
  tax_classification text,
  -- W-9 line 4, exempt payee code (1–13); an exempt payee is left out of the 1099-NEC report.
  exempt_payee_code text,
  -- 'ssn' (an ITIN is entered as an SSN) or 'ein'; null on a W-8BEN without a US TIN.
  tin_type text check (tin_type in ('ssn', 'ein')),
  tin_last4 text,
  tin_hash text,
  details_encrypted text not null,
  -- W-9 certification item 2 struck: subject to backup withholding (payouts are held).
  backup_withholding boolean not null default false,
  -- The typed signature and who signed: portal session, client address, user agent, time.
  signature text not null,
  signed_at timestamptz not null,
  signer_session text,
  signer_ip text,
  signer_user_agent text,
  -- A W-8BEN expires at the end of the third calendar year after signing.
  expires_at timestamptz,
  superseded_at timestamptz,
  created_at timestamptz not null default now(),
  check (form_type <> 'w9' or (tax_classification is not null and tin_type is not null and tin_hash is not null and tin_last4 is not null))
);
create unique index tax_forms_one_current on tax_forms (recipient_id) where superseded_at is null;
create index tax_forms_by_tenant on tax_forms (organization_id, environment, id desc);
create index tax_forms_by_recipient on tax_forms (organization_id, environment, recipient_id, id desc);
create index tax_forms_current_by_tin on tax_forms (organization_id, environment, tin_hash) where superseded_at is null;
create index tax_forms_expiring on tax_forms (expires_at) where superseded_at is null and expires_at is not null;

-- Readiness: a recipient asked for tax information is ready only with a valid current form.
-- null: no form yet; 'valid'; 'backup_withholding' (item 2 struck); 'expired' (a W-8BEN ran out).
alter table recipients add column tax_form_state text check (tax_form_state in ('valid', 'backup_withholding', 'expired'));

-- Every download that shows a full TIN (the filing copy of a form, the 1099-NEC filing export):
-- who, when, what. Rows are only ever added.
create table sensitive_downloads (
  id uuid primary key,
  organization_id uuid not null references organizations (id),
  environment text not null check (environment in ('sandbox', 'production')),
  user_id uuid not null references users (id),
  kind text not null check (kind in ('tax_form_filing_copy', 'nec_filing_export')),
  -- The tax form's id, or the report's year.
  subject text not null,
  created_at timestamptz not null default now()
);
create index sensitive_downloads_by_tenant on sensitive_downloads (organization_id, environment, id desc);

-- The 1099-NEC report counts payment dates in the organization's time zone (IANA name).
alter table organizations add column time_zone text not null default 'UTC';

-- Reimbursements are left out of the 1099-NEC report; an external payment may say when it was
-- paid (default: when it was recorded).
alter table payouts add column is_reimbursement boolean not null default false;
alter table payouts add column paid_at timestamptz;
