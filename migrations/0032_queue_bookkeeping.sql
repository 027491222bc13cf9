-- Cheaper rows for the queue's hot path: every job is inserted, updated three times (feeder
-- hand-off, claim, success) and writes an audit row. Measured per job on a 2-core machine
-- (server side, 20,000 jobs; benches/run-queue-bench.sh for the whole path), each change
-- below removed work that every job paid for.

-- The queue's own transitions set `updated_at` in their statements; the touch trigger, a
-- PL/pgSQL call per row, now runs only for updates that leave the column as it was.
drop trigger job_runs_touch on job_runs;
create trigger job_runs_touch before update on job_runs
    for each row when (new.updated_at is not distinct from old.updated_at)
    execute function touch_updated_at();

-- A job's success changes its status, so every version of the row had an entry here; the
-- succeeded are most rows and are listed through the primary key (newest first, filtered).
-- What stays indexed is what the dashboards count: waiting, running, failed, cancelled.
drop index job_runs_listing;
create index job_runs_listing on job_runs (organization_id, status, id)
    where status <> 'succeeded';

-- Jobs' audit rows have no actor: only rows that name one need the actor filter's entry.
drop index audit_logs_actor_idx;
create index audit_logs_actor_idx on audit_logs (organization_id, actor_user_id, id desc)
    where actor_user_id is not null;

-- Organizations are never deleted (they are soft-deleted), and row-level security already
-- binds every job and audit row to the transaction's organization. The foreign key's check
-- ran a query per inserted row and took a share lock on the one organization row from every
-- concurrent transaction: 10 of the 25 microseconds of a job's insert, 12 of the 30 of its
-- audit row.
alter table job_runs drop constraint job_runs_organization_id_fkey;
alter table audit_logs drop constraint audit_logs_organization_id_fkey;

-- Two rules the queue always kept, now checked by Postgres: a job is in Redis (`enqueued_at`
-- set) only while it waits, and it has a worker (`locked_by`) exactly while it runs. The
-- claim and the success fence on these columns alone, without a status condition, so the
-- primary key is the only index that fits them: planned generically on a table never
-- analyzed, a status condition led Postgres to the listing index and a scan of every waiting
-- job per claim. A cancel left `enqueued_at` set until now.
update job_runs set enqueued_at = null, transport_id = null
 where enqueued_at is not null and status not in ('queued', 'retryable');
update job_runs set locked_by = null where locked_by is not null and status <> 'running';
alter table job_runs
    add constraint job_runs_in_transport_only_while_waiting
        check (enqueued_at is null or status in ('queued', 'retryable')),
    add constraint job_runs_locked_exactly_while_running
        check ((status = 'running') = (locked_by is not null));

-- Fresh statistics of the queue table, kept by the worker (`queue::statistics`): its plans
-- find rows by primary key only while Postgres knows the table is large. Autovacuum does
-- this where it runs and keeps up; a burst of submissions outruns it by minutes. Analyzing
-- needs the owner, so the maintenance role calls this function.
create function analyze_job_runs() returns void
language plpgsql
security definer
set search_path = public
as $$
begin
    analyze job_runs;
end;
$$;
alter function analyze_job_runs() owner to reachly_owner;
revoke all on function analyze_job_runs() from public;
grant execute on function analyze_job_runs() to reachly_maint;
