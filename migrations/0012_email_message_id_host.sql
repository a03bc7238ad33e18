-- Every email's Message-ID (`<email id@host>`) is now written by the outbox insert itself, so it
-- is fixed before anything can send it, whatever MAIL_FROM becomes later. The writers of emails
-- (payout transitions, batch expansion, invitations) have no configuration at hand; the host of
-- MAIL_FROM is kept here instead, recorded by each process when it starts, and read by the insert.
create table email_message_id_host (
  singleton boolean primary key default true check (singleton),
  host text not null,
  recorded_at timestamptz not null default now()
);
