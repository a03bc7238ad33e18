-- Returns and notifications of change (issue #13): the bank itself can end a payout method (a
-- return that says the account is closed or unknown) or record a corrected version of it (a NOC),
-- so the method history names 'bank' as who did it.
alter table payout_methods drop constraint payout_methods_set_by_kind_check;
alter table payout_methods add constraint payout_methods_set_by_kind_check check (set_by_kind in ('recipient', 'user', 'api_key', 'bank'));
alter table payout_methods drop constraint payout_methods_removed_by_kind_check;
alter table payout_methods add constraint payout_methods_removed_by_kind_check check (removed_by_kind in ('recipient', 'user', 'api_key', 'bank'));
