-- job_runs: the durable queue of record. Redis only carries pointers to these rows;
-- the feeder re-pushes whatever Redis no longer holds, so losing Redis loses no work.
create table job_runs (
    organization_id uuid not null references organizations (id),
    id              uuid not null default uuid_generate_v7(),
    kind            text not null check (kind ~ '^[a-z][a-z_]*$'),
    queue           text not null check (queue ~ '^[a-z][a-z_]*$'),
    payload         jsonb not null default '{}',
    priority        smallint not null default 0 check (priority between -100 and 100),
    status          text not null default 'queued'
                    check (status in ('queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
    attempts        integer not null default 0 check (attempts >= 0),
    max_attempts    integer not null default 5 check (max_attempts between 1 and 100),
    progress_done   bigint not null default 0,
    progress_total  bigint,
    last_error      text,
    result          jsonb,
    dedupe_key      text,
    parent_id       uuid,
    submitted_by    uuid references users (id),
    -- when the job may run next (submission time, a delay, or a retry's backoff)
    run_at          timestamptz not null default now(),
    -- set when the feeder pushed the job to Redis; transport_id is the apalis task id used
    enqueued_at     timestamptz,
    transport_id    text,
    deliveries      integer not null default 0,
    locked_by       text,
    started_at      timestamptz,
    heartbeat_at    timestamptz,
    finished_at     timestamptz,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    primary key (organization_id, id),
    foreign key (organization_id, parent_id) references job_runs (organization_id, id)
);

-- Submitting the same key twice returns the existing job. The key is unique per
-- organization and kind, so tenants can neither collide nor probe each other's keys.
create unique index job_runs_dedupe_key on job_runs (organization_id, kind, dedupe_key)
    where dedupe_key is not null;

-- The feeder's work list: runnable jobs not yet in Redis, per queue and organization.
create index job_runs_feedable on job_runs (queue, organization_id, priority desc, run_at, id)
    where status in ('queued', 'failed') and enqueued_at is null;

-- What is in Redis now, per queue (the backlog window).
create index job_runs_in_transport on job_runs (queue, enqueued_at)
    where status in ('queued', 'failed') and enqueued_at is not null;

-- Running jobs by heartbeat, for the reaper (workers find their own jobs by key).
create index job_runs_running on job_runs (heartbeat_at) where status = 'running';

-- API listings and fan-in.
create index job_runs_listing on job_runs (organization_id, status, id);
create index job_runs_children on job_runs (organization_id, parent_id) where parent_id is not null;

create trigger job_runs_touch before update on job_runs
    for each row execute function touch_updated_at();

-- Wake the feeders as soon as new work is committed (one notification per statement;
-- retries and delays are found by the feeder's poll).
create function notify_job_runs_queued() returns trigger language plpgsql as $$
begin
    perform pg_notify('reachly_job_runs', '');
    return null;
end $$;

create trigger job_runs_notify after insert on job_runs
    for each statement execute function notify_job_runs_queued();
