-- Emails: an outbox written in the same transaction as the change that causes each message, sent
-- by the worker over SMTP (or kept as `captured`), with every SMTP attempt recorded.
create table emails (
  id uuid primary key,
  organization_id uuid not null references organizations (id),
  environment text not null check (environment in ('sandbox', 'production')),
  recipient_id uuid references recipients (id),
  to_address text not null,
  template text not null,
  -- What the template needs, snapshotted when the email is written (links are derived from ids).
  data jsonb not null,
  -- `<id@host of MAIL_FROM>`, fixed when the worker first takes the email (before any send), so a
  -- resend after a crash repeats the same Message-ID.
  message_id text unique,
  -- Makes writers idempotent: one email per batch and payee, per payout status change, ...
  dedupe_key text unique,
  status text not null check (status in ('queued', 'sending', 'sent', 'failed', 'captured')),
  -- 0: one-time codes (go out first); 1: everything else.
  priority smallint not null default 1,
  attempts integer not null default 0,
  next_attempt_at timestamptz,
  lease_owner text,
  lease_expires_at timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  -- For codes: past it the email is useless and no longer retried.
  expires_at timestamptz
);
create index emails_due on emails (priority, next_attempt_at) where status in ('queued', 'sending');
create index emails_by_tenant on emails (organization_id, environment, id desc);
create index emails_by_recipient on emails (recipient_id, id desc);

create table email_attempts (
  id uuid primary key,
  email_id uuid not null references emails (id),
  attempted_at timestamptz not null,
  result text not null check (result in ('sent', 'retry', 'failed')),
  smtp_code integer,
  smtp_response text,
  duration_ms integer not null
);
create index email_attempts_by_email on email_attempts (email_id, attempted_at);

-- One row per payout batch, written in the batch's transaction; the worker expands it into one
-- email per payee in bounded slices, walking recipients in id order from `cursor`.
create table email_batches (
  id uuid primary key,
  organization_id uuid not null references organizations (id),
  environment text not null check (environment in ('sandbox', 'production')),
  batch_id uuid not null unique references batches (id),
  cursor uuid,
  expanded_at timestamptz,
  created_at timestamptz not null default now()
);
create index email_batches_pending on email_batches (created_at) where expanded_at is null;

-- Set after a permanent SMTP refusal (5xx).
alter table recipients add column email_undeliverable boolean not null default false;
