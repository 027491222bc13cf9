-- The operators' side: platform administrators, paused queues, the live worker processes,
-- per-minute throughput and every attempt's error, behind the ops dashboard and its routes.

-- A platform administrator sees the shared state (every queue, worker and schedule) and alone
-- may pause or resume a queue. Granted by `reachly-api grant-platform-admin EMAIL`.
alter table users add column platform_admin boolean not null default false;

-- Paused queues: the feeder hands a paused queue nothing more (running jobs finish). Shared
-- state: the application role reads it and changes it only through set_queue_paused.
create table queue_pauses (
    queue      text        primary key check (queue ~ '^[a-z][a-z_]*$'),
    paused_by  uuid        references users (id) on delete set null,
    paused_at  timestamptz not null default now()
);
grant select on queue_pauses to reachly_app, reachly_maint;

-- Pauses (`p_paused`) or resumes `p_queue` as `p_user`, who must be a platform administrator
-- (visible in the transaction's organization, as the API's member is); whether anything
-- changed. A resume wakes the feeders.
create function set_queue_paused(p_queue text, p_paused boolean, p_user uuid) returns boolean
language plpgsql
security definer
set search_path = public
as $$
declare
    changed integer;
begin
    if not exists (select 1 from users u
                    where u.id = p_user and u.platform_admin and u.deleted_at is null) then
        raise exception 'only a platform administrator may pause or resume a queue'
            using errcode = '42501';
    end if;
    if p_paused then
        insert into queue_pauses (queue, paused_by) values (p_queue, p_user)
        on conflict (queue) do nothing;
    else
        delete from queue_pauses where queue = p_queue;
        perform pg_notify('reachly_job_runs', p_queue);
    end if;
    get diagnostics changed = row_count;
    return changed > 0;
end;
$$;

alter function set_queue_paused(text, boolean, uuid) owner to reachly_owner;
revoke all on function set_queue_paused(text, boolean, uuid) from public;
grant execute on function set_queue_paused(text, boolean, uuid) to reachly_app;

-- Worker processes, each stamping its row with the heartbeat loop (maintenance role). A row
-- whose heartbeat is older than the stale window is a process that is gone.
create table worker_processes (
    name          text        primary key,
    hostname      text        not null,
    pid           integer     not null,
    queues        text[]      not null,
    concurrency   integer     not null,
    started_at    timestamptz not null,
    heartbeat_at  timestamptz not null,
    stopped_at    timestamptz
);
create index worker_processes_heartbeat_idx on worker_processes (heartbeat_at);
grant select on worker_processes to reachly_app;
grant select, insert, update, delete on worker_processes to reachly_maint;

-- Jobs finished per minute, per organization and kind: counted in memory by each worker
-- process and added here every few seconds (maintenance role), off the jobs' own
-- transactions; the throughput graph reads it. Kept a day.
create table job_throughput (
    organization_id  uuid        not null references organizations (id),
    kind             text        not null,
    minute           timestamptz not null,
    succeeded        integer     not null default 0,
    failed           integer     not null default 0,
    dead             integer     not null default 0,
    primary key (organization_id, kind, minute)
);
create index job_throughput_minute_idx on job_throughput (minute);
select enable_tenant_isolation('job_throughput');
grant select on job_throughput to reachly_app;
grant select, insert, update, delete on job_throughput to reachly_maint;

-- Every failed attempt's error (job_runs.last_error keeps only the latest), written with the
-- failure it records; deleted with the job. A retried job counts its attempts from 1 again,
-- so the key is the row's own id (time-ordered), not the attempt number.
create table job_attempt_errors (
    organization_id  uuid        not null,
    job_id           uuid        not null,
    id               uuid        not null default uuid_generate_v7(),
    attempt          integer     not null,
    error            text        not null check (octet_length(error) <= 4096),
    failed_at        timestamptz not null default now(),
    primary key (organization_id, job_id, id),
    foreign key (organization_id, job_id) references job_runs (organization_id, id) on delete cascade
);
select enable_tenant_isolation('job_attempt_errors');
grant select, insert, update, delete on job_attempt_errors to reachly_app, reachly_maint;
