-- Amounts cross the wire as JSON numbers, exact only up to 2^53-1 (9007199254740991). Anything
-- stored past that could never be read back exactly, so the database refuses it too, behind the
-- service's own checks (which answer a 400 naming the field). The funding account holds minus
-- all money ever brought in, and postings only move money between a tenant's accounts, so
-- bounding it bounds every balance.
-- NOT VALID: enforced for every new or changed row without failing the upgrade of a database
-- that already holds an out-of-range value (those are still answered, see money.ts).
alter table ledger_balances
  add constraint ledger_balances_within_json_range check (balance between -9007199254740991 and 9007199254740991) not valid;
alter table batches
  add constraint batches_total_within_json_range check (total_amount <= 9007199254740991) not valid;
alter table payouts
  add constraint payouts_amount_within_json_range check (amount <= 9007199254740991) not valid;
