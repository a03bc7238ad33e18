-- The recipient portal: emailed one-time codes, the sessions they open, and the per-recipient
-- counters that limit both.

-- One-time codes: only a SHA-256 of (recipient, code) is kept. A code is valid 10 minutes, once,
-- and for at most 5 tries (`tries` is reserved before a guess is compared, so parallel guesses
-- cannot exceed it).
create table portal_codes (
  id uuid primary key,
  recipient_id uuid not null references recipients (id),
  code_hash bytea not null,
  tries integer not null default 0,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index portal_codes_by_recipient on portal_codes (recipient_id, expires_at);

-- Portal sessions, bound to one recipient (and so to its organization and environment). Only the
-- SHA-256 of the cookie's token is kept; the CSRF token goes into every form of the session.
create table portal_sessions (
  token_hash bytea primary key,
  recipient_id uuid not null references recipients (id),
  csrf_token text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index portal_sessions_by_recipient on portal_sessions (recipient_id);
create index portal_sessions_expiry on portal_sessions (expires_at);

-- Per recipient: codes sent this hour, wrong tries today, and the 24 h lock that exceeding
-- either sets (the recipient is emailed once per lock).
create table portal_guards (
  recipient_id uuid primary key references recipients (id),
  codes_sent integer not null default 0,
  codes_window_started_at timestamptz not null default now(),
  wrong_tries integer not null default 0,
  tries_window_started_at timestamptz not null default now(),
  locked_until timestamptz
);
