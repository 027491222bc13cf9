-- A send batch reads and marks its assignments by a range of the primary key (its first and
-- last contact, carried in the job's payload), not by batch number: the batch-number index
-- cost every launch one more index entry per recipient, at the moment a broker waits for.
-- `batch_no` stays on the row (which batch sent to a contact), unindexed.
--
-- Send jobs queued before this migration carry no range and fail as malformed: deploy it
-- with no campaign sending.
drop index campaign_contact_assignments_batch_idx;
