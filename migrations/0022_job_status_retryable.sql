-- A job waiting for its next attempt is `retryable` (River's name; Sidekiq says "retry",
-- BullMQ "delayed"), no longer `failed`: a client polling "until succeeded or failed"
-- stopped at the first error. The terminal states are `succeeded`, `dead` and `cancelled`.
-- No `failed` alias remains.

alter table job_runs drop constraint job_runs_status_check;
update job_runs set status = 'retryable' where status = 'failed';
alter table job_runs add constraint job_runs_status_check
    check (status in ('queued', 'running', 'succeeded', 'retryable', 'dead', 'cancelled'));

drop index job_runs_feedable;
create index job_runs_feedable on job_runs (queue, organization_id, priority desc, run_at, id)
    where status in ('queued', 'retryable') and enqueued_at is null;

drop index job_runs_in_transport;
create index job_runs_in_transport on job_runs (queue, enqueued_at)
    where status in ('queued', 'retryable') and enqueued_at is not null;
