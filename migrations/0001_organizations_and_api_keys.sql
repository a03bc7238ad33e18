create table organizations (
  id uuid primary key,
  name text not null,
  is_default boolean not null default false,
  created_at timestamptz not null default now()
);
-- At most one default organization: the one the CLI and a fresh install use.
create unique index organizations_one_default on organizations (is_default) where is_default;

insert into organizations (id, name, is_default) values (gen_random_uuid(), 'Default organization', true);

create table api_keys (
  id uuid primary key,
  organization_id uuid not null references organizations (id),
  environment text not null check (environment in ('sandbox', 'production')),
  name text not null,
  -- SHA-256 of the whole key; the key itself is never stored.
  key_hash bytea not null unique,
  prefix text not null,
  last4 text not null,
  created_by text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_by_tenant on api_keys (organization_id, environment, created_at desc);
