-- Search in the lists (issue #14): case-insensitive substring match of a recipient's email and
-- name and of a payout's reference, fast at millions of rows. Trigram GIN indexes serve
-- `ilike '%…%'`; pg_trgm is a trusted extension on PostgreSQL 13+ and bundled with PGlite.
create extension if not exists pg_trgm;

create index payouts_reference_search on payouts using gin (reference_id gin_trgm_ops);
create index recipients_email_search on recipients using gin (email gin_trgm_ops);
-- "first last": any part of the first or last name is a part of it too, so one index serves all three.
create index recipients_name_search on recipients using gin ((coalesce(first_name, '') || ' ' || coalesce(last_name, '')) gin_trgm_ops);
