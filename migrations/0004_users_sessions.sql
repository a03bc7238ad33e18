create table users (
  id uuid primary key,
  organization_id uuid not null references organizations (id),
  -- Lower-cased; one account per email across the installation, so sign-in needs only the email.
  email text not null unique,
  password_hash text not null,
  role text not null check (role in ('admin', 'manager', 'accountant', 'employee')),
  created_at timestamptz not null default now(),
  created_by text
);
create index users_by_organization on users (organization_id, created_at);

create table sessions (
  -- SHA-256 of the cookie's token: a stolen database does not yield usable sessions.
  token_hash bytea primary key,
  user_id uuid not null references users (id) on delete cascade,
  csrf_token text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sessions_by_user on sessions (user_id);

-- Failed sign-ins per email, to slow down password guessing.
create table login_failures (
  email text primary key,
  failures integer not null,
  first_failure_at timestamptz not null,
  locked_until timestamptz
);
