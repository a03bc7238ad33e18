-- A redelivery or a replay queues a delivery again without forgetting its history: attempt_count
-- keeps counting every attempt ever made (as webhook_attempts logs them), and the retry schedule
-- starts over from the attempt count it had when it was queued again.
alter table webhook_deliveries add column retry_from integer not null default 0;
