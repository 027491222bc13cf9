-- Cron's tick ledger, the event rollups' final shape, and what the analytics read.
--
-- 1. cron_ticks: every worker process runs the schedules; a tick is recorded here once
--    (insert-once on schedule and tick time) and only the process whose insert won fans it
--    out. Shared engine state: the maintenance role writes it, tenants never see it.
-- 2. event_aggregations gains the subtype (bounce hard/soft, open human/machine) in its key
--    and a count of late events (arrived after the day was final). The table was empty:
--    nothing wrote it before this migration.
-- 3. event_aggregation_days: one row per campaign and UTC day the rollup computed; a day is
--    final when `finalized_at` is set, and a final day is never recomputed.
-- 4. campaign_event_totals: campaign-wide counts, with contacts counted once over the whole
--    campaign (daily unique counts cannot be summed into these).
-- 5. A BRIN index on events.created_at: the rollup finds the days that received events
--    since its last run without reading every event. BRIN because created_at follows the
--    insertion order of an append-only table; it costs the send path next to nothing.
-- 6. Each assignment records its contact's validation status at send time (segments).
-- 7. The `lead.manage` permission (moving a lead along its status pipeline).

create table cron_ticks (
    schedule       text        not null check (schedule ~ '^[a-z][a-z_]{0,62}$'),
    tick_at        timestamptz not null,
    recorded_at    timestamptz not null default now(),
    recorded_by    text        not null,
    -- Scheduled ticks that never fired (the workers were down) and that this tick stands
    -- for: a coalesced start-up tick counts them; an on-time tick has 0.
    missed_ticks   bigint      not null default 0 check (missed_ticks >= 0),
    coalesced      boolean     not null default false,
    fanned_out_at  timestamptz,
    jobs_created   integer     not null default 0,
    primary key (schedule, tick_at)
);
revoke all on cron_ticks from reachly_app;
grant select, insert, update, delete on cron_ticks to reachly_maint;

-- The subtype a dashboard shows apart: a bounce's `bounce_type` (anything but `soft` is a
-- permanent failure), an open's `machine_open` (Apple Mail Privacy Protection prefetches).
-- One home for the rule: the rollup, the live reads and the tests use it. SQL and IMMUTABLE,
-- so the planner inlines it.
create function event_subtype(p_event_type text, p_event_data jsonb) returns text
language sql immutable parallel safe
as $$
    select case p_event_type
        when 'bounce' then case when p_event_data->>'bounce_type' = 'soft' then 'soft' else 'hard' end
        when 'open' then case when p_event_data->'machine_open' = 'true'::jsonb then 'machine' else 'human' end
        else ''
    end
$$;

alter table event_aggregations
    add column subtype      text        not null default ''
        check (subtype in ('', 'hard', 'soft', 'human', 'machine')),
    add column late_events  bigint      not null default 0 check (late_events >= 0),
    add column finalized_at timestamptz,
    drop constraint event_aggregations_pkey,
    add primary key (organization_id, campaign_id, event_type, subtype, day);
comment on column event_aggregations.late_events is
    'events of this key created after the day was finalized: counted apart, never added to count';

create table event_aggregation_days (
    organization_id  uuid        not null references organizations (id),
    campaign_id      uuid        not null,
    day              date        not null,
    computed_at      timestamptz not null default now(),
    finalized_at     timestamptz,
    primary key (organization_id, campaign_id, day),
    foreign key (organization_id, campaign_id) references campaigns (organization_id, id) on delete cascade
);
-- The rollup's default run revisits every day not yet final.
create index event_aggregation_days_open_idx
    on event_aggregation_days (organization_id, day) where finalized_at is null;

create table campaign_event_totals (
    organization_id  uuid        not null references organizations (id),
    campaign_id      uuid        not null,
    event_type       text        not null
                     check (event_type in ('sent', 'delivered', 'bounce', 'open', 'click', 'unsubscribe',
                                           'complaint', 'form_view', 'form_submit')),
    subtype          text        not null default ''
                     check (subtype in ('', 'hard', 'soft', 'human', 'machine')),
    count            bigint      not null default 0,
    unique_contacts  bigint      not null default 0,
    late_events      bigint      not null default 0 check (late_events >= 0),
    is_final         boolean     not null default false,
    finalized_at     timestamptz,
    computed_at      timestamptz not null default now(),
    primary key (organization_id, campaign_id, event_type, subtype),
    foreign key (organization_id, campaign_id) references campaigns (organization_id, id) on delete cascade
);

-- Where each organization's rollup has read up to: events created before this were seen by
-- an earlier run (less a safety margin the job applies for transactions still open then).
create table event_aggregation_watermarks (
    organization_id  uuid        primary key references organizations (id),
    events_seen_until timestamptz not null
);

do $$
declare
    t text;
begin
    foreach t in array array['event_aggregation_days', 'campaign_event_totals',
                             'event_aggregation_watermarks']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format(
            'create policy tenant_isolation on %I '
            'using (organization_id = nullif(current_setting(''app.organization_id'', true), '''')::uuid) '
            'with check (organization_id = nullif(current_setting(''app.organization_id'', true), '''')::uuid)',
            t
        );
        execute format('grant select, insert, update, delete on %I to reachly_app, reachly_maint', t);
    end loop;
end;
$$;

create index events_created_at_brin on events using brin (created_at);

alter table campaign_contact_assignments
    add column validation_status text check (validation_status in ('valid', 'risky'));
comment on column campaign_contact_assignments.validation_status is
    'the contact''s validation status when the launch assigned it (null: assigned before 0024)';

insert into permissions (key, description)
values ('lead.manage', 'Move leads along their status pipeline')
on conflict (key) do nothing;
insert into role_permissions (role_id, permission_id)
select r.id, p.id
  from roles r, permissions p
 where r.key in ('admin', 'consultant') and p.key = 'lead.manage'
on conflict do nothing;
