-- The sender of an organization's emails: the display name in From (null: the organization's
-- name) and an optional Reply-To address. The service validates both (one line, no display-name
-- tricks, a plain address); the checks here only cap what can ever reach a mail header.
alter table organizations add column sender_name text check (char_length(sender_name) between 1 and 78);
alter table organizations add column reply_to text check (char_length(reply_to) between 3 and 254);
