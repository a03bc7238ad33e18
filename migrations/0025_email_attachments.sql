-- Files attached to an email (the "tax form received" email carries the masked PDF of the form).
-- Written in the same transaction as the email and sent with it on every attempt, so a resend
-- after a crash carries the same file. The content holds personal data (a name, an address): it
-- is sealed with platform/crypto like every other stored file that does.
create table email_attachments (
  email_id uuid not null references emails (id),
  position smallint not null,
  filename text not null,
  content_type text not null,
  byte_length integer not null,
  content_encrypted text not null,
  primary key (email_id, position)
);
