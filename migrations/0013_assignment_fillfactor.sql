-- Every assignment row is written twice: inserted `pending` by the launch, then set to its
-- outcome by its send batch. No index covers `status` or `updated_at`, so with room left on
-- each page the second write is a HOT update, which adds no entry to the table's three
-- indexes (a million recipients: three million index insertions saved).
alter table campaign_contact_assignments set (fillfactor = 50);
