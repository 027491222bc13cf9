-- Campaign events (append-only, the largest table) partitioned by month on occurred_at, the
-- function that creates those monthly partitions ahead of time, and the nightly per-day
-- rollup that dashboards read.

create table events (
    organization_id  uuid        not null references organizations (id),
    id               uuid        not null default uuid_generate_v7(),
    campaign_id      uuid        not null,
    contact_id       uuid,
    event_type       text        not null
                     check (event_type in ('sent', 'delivered', 'bounce', 'open', 'click', 'unsubscribe',
                                           'complaint', 'form_view', 'form_submit')),
    event_data       jsonb,
    ip_address       inet,
    user_agent       text,
    occurred_at      timestamptz not null,
    created_at       timestamptz not null default now(),
    -- The partition key must be part of the primary key.
    primary key (organization_id, id, occurred_at),
    foreign key (organization_id, campaign_id) references campaigns (organization_id, id),
    -- NO ACTION: GDPR erasure deletes a contact's events itself (and counts them).
    foreign key (organization_id, contact_id) references contacts (organization_id, id)
) partition by range (occurred_at);

create index events_org_campaign_type_time_idx
    on events (organization_id, campaign_id, event_type, occurred_at);
-- Finds one person's events (GDPR erasure/export) and backs the contact foreign key.
create index events_org_contact_idx
    on events (organization_id, contact_id) where contact_id is not null;

-- Creates the monthly partitions events_yYYYYmMM covering [month start, next month start)
-- in UTC for p_months months from the month of p_from; existing ones are left alone.
-- Returns how many it created. SECURITY DEFINER so the worker's cron (maintenance role) or
-- the application can keep partitions ahead without owning the table. There is no default
-- partition: an event outside every partition is an error, not a silent catch-all.
-- Each partition gets RLS enabled and forced with the tenant policy too, and no grants: the
-- roles reach rows only through the parent table, whose policy applies.
create or replace function ensure_event_partitions(p_from date, p_months integer)
returns integer
language plpgsql
security definer
set search_path = public
set timezone = 'UTC'
as $$
declare
    first_month  date;
    month_start  date;
    part_name    text;
    created      integer := 0;
begin
    if p_from is null or p_months is null or p_months < 0 or p_months > 120 then
        raise exception 'ensure_event_partitions: p_from must be a date and p_months between 0 and 120 (got %, %)',
            p_from, p_months
            using errcode = '22023';
    end if;

    -- Serialize concurrent callers (every worker process runs the cron schedule).
    perform pg_advisory_xact_lock(hashtext('public.ensure_event_partitions'));

    first_month := date_trunc('month', p_from)::date;
    for i in 0 .. p_months - 1 loop
        month_start := (first_month + make_interval(months => i))::date;
        part_name := format('events_y%sm%s', to_char(month_start, 'YYYY'), to_char(month_start, 'MM'));

        if to_regclass(format('public.%I', part_name)) is null then
            execute format(
                'create table public.%I partition of public.events for values from (%L) to (%L)',
                part_name,
                month_start::timestamp at time zone 'UTC',
                (month_start + interval '1 month')::timestamp at time zone 'UTC'
            );
            execute format('alter table public.%I enable row level security', part_name);
            execute format('alter table public.%I force row level security', part_name);
            execute format(
                'create policy tenant_isolation on public.%I '
                'using (organization_id = nullif(current_setting(''app.organization_id'', true), '''')::uuid) '
                'with check (organization_id = nullif(current_setting(''app.organization_id'', true), '''')::uuid)',
                part_name
            );
            created := created + 1;
        end if;
    end loop;

    return created;
end;
$$;

alter function ensure_event_partitions(date, integer) owner to reachly_owner;
revoke all on function ensure_event_partitions(date, integer) from public;
grant execute on function ensure_event_partitions(date, integer) to reachly_maint, reachly_app;

-- Last month, this month and the next two, so events of a send started now have a home.
select ensure_event_partitions((date_trunc('month', now() at time zone 'UTC') - interval '1 month')::date, 4);

-- Nightly rollup of events per campaign, event type and (UTC) day. A day becomes final
-- (is_final) once it is more than 24 h old and is then no longer recomputed.
create table event_aggregations (
    organization_id  uuid        not null references organizations (id),
    campaign_id      uuid        not null,
    event_type       text        not null
                     check (event_type in ('sent', 'delivered', 'bounce', 'open', 'click', 'unsubscribe',
                                           'complaint', 'form_view', 'form_submit')),
    day              date        not null,
    count            bigint      not null default 0,
    unique_contacts  bigint      not null default 0,
    is_final         boolean     not null default false,
    computed_at      timestamptz not null default now(),
    primary key (organization_id, campaign_id, event_type, day),
    foreign key (organization_id, campaign_id) references campaigns (organization_id, id) on delete cascade
);
