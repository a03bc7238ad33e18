-- One-time setup tokens: the first dashboard admin can only be created by someone who read the
-- token the server printed at start (proof of control of the server). Only SHA-256 hashes are
-- kept; several API processes may each add one, and all are deleted when the first user exists.
create table setup_tokens (
  token_hash bytea primary key,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
