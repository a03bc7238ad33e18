-- The email sender fails codes past their expiry before each claim (failExpiredEmails). Without an
-- index on expires_at that statement read every queued email: 35 ms a call with 40,000 queued,
-- run hundreds of times a minute, the heaviest statement of a busy worker after a large batch.
-- Only one-time codes expire, so the index holds only the few codes still waiting.
create index emails_expiring on emails (expires_at) where status in ('queued', 'sending') and expires_at is not null;
