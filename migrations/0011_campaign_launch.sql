-- What a campaign launch needs beyond 0004: the launch job (progress and status are read
-- through it), whether risky addresses are included, and per-status counts kept as columns
-- so a send batch adds to them in one short update at the end of its transaction.
alter table campaigns
    add column launch_job_id   uuid,
    add column include_risky   boolean not null default false,
    add column recipient_count bigint  not null default 0,
    add column batches_total   integer not null default 0,
    add column batches_done    integer not null default 0,
    add constraint campaigns_launch_job_fk foreign key (organization_id, launch_job_id)
        references job_runs (organization_id, id);

-- Reading a campaign's events newest-last without a type filter (`GET .../events`).
create index events_org_campaign_time_idx on events (organization_id, campaign_id, occurred_at, id);
