-- Invited dashboard users choose their own password from an emailed link: until they do, they
-- have none (null: no password can match, so nobody can sign in as them).
alter table users alter column password_hash drop not null;

-- Set-password links of dashboard users: invitations (72 h) and password resets (1 h). Only the
-- SHA-256 of each link's token is kept; a token works once (used_at) and a newer one of the same
-- purpose voids the older ones.
create table user_tokens (
  token_hash bytea primary key,
  user_id uuid not null references users (id) on delete cascade,
  purpose text not null check (purpose in ('invite', 'reset')),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index user_tokens_by_user on user_tokens (user_id, purpose);
