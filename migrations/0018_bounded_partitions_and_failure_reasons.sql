-- Two things a hostile or unlucky input could do to a tenant's neighbours or to itself.
--
-- 1. Any tenant could create `events` partitions for any month (six launches with far-off
--    `start_at`s took the shared table from 14 to 283 partitions, and every tenant's event
--    queries planned in 119 ms). The application role now reaches partition creation only
--    through ensure_send_partitions, which accepts the window a launch can need: from 38
--    months back (a `start_at` up to two years before a launch scheduled up to a year ahead)
--    to 13 months ahead, at most 36 months long. ensure_event_partitions itself is the
--    maintenance role's (cron, tests, operators).
--
-- 2. A job that cannot proceed left its campaign `scheduled` or `sending`, or its list
--    `importing` or `validating`, forever. Now whatever makes a launch, send, import or
--    validate job `dead` (its worker, the reaper, an operator) moves its campaign or list to
--    `failed` in the same transaction, with the reason in `failure_reason`.

create function ensure_send_partitions(p_from date, p_months integer)
returns integer
language plpgsql
security definer
set search_path = public
set timezone = 'UTC'
as $$
begin
    if p_from is null or p_months is null
       or p_from < (now() - interval '38 months')::date
       or p_from > (now() + interval '13 months')::date
       or p_months < 1 or p_months > 36 then
        raise exception 'ensure_send_partitions: p_from must lie within 38 months before and 13 months after today and p_months between 1 and 36 (got %, %)',
            p_from, p_months
            using errcode = '22023';
    end if;
    return ensure_event_partitions(p_from, p_months);
end;
$$;

alter function ensure_send_partitions(date, integer) owner to reachly_owner;
revoke all on function ensure_send_partitions(date, integer) from public;
grant execute on function ensure_send_partitions(date, integer) to reachly_app, reachly_maint;
revoke execute on function ensure_event_partitions(date, integer) from reachly_app;

alter table campaigns
    add column failure_reason text check (length(failure_reason) <= 4096);
alter table contact_lists
    add column failure_reason text check (length(failure_reason) <= 4096);

-- The campaign or list a job works on, from its payload; null when the payload names none.
create function job_subject(payload jsonb, key text) returns uuid
language sql immutable as $$
    select case when payload ->> key ~ '^[0-9a-fA-F-]{36}$' then (payload ->> key)::uuid end
$$;

create function job_death_fails_its_subject() returns trigger
language plpgsql as $$
declare
    reason text := left(format('%s job %s is dead: %s', new.kind, new.id,
                               coalesce(new.last_error, 'no error recorded')), 4096);
begin
    if new.kind in ('launch', 'send') then
        update campaigns
           set status = 'failed', completed_at = coalesce(completed_at, now()),
               failure_reason = reason
         where organization_id = new.organization_id
           and id = job_subject(new.payload, 'campaign_id')
           and status in ('scheduled', 'sending');
    elsif new.kind in ('import', 'validate') then
        update contact_lists
           set status = 'failed', failure_reason = coalesce(failure_reason, reason)
         where organization_id = new.organization_id
           and id = job_subject(new.payload, 'list_id')
           and status in ('pending', 'importing', 'validating');
    end if;
    return null;
end $$;

create trigger job_runs_death_fails_its_subject
    after update of status on job_runs
    for each row when (new.status = 'dead' and old.status is distinct from 'dead')
    execute function job_death_fails_its_subject();
