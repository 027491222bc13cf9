-- A job cancelled by an operator (`POST /v1/jobs/{id}/cancel`) leaves its list or campaign
-- in a final, explained state, as a dead one does (0018): cancelling an import left its list
-- `pending` for good, cancelling a send batch left its campaign `sending` for good (its
-- batches could never all be done). The campaign's own cancel (`POST
-- /v1/campaigns/{id}/cancel`) cancels its campaign first, which this then leaves alone.

create or replace function job_death_fails_its_subject() returns trigger
language plpgsql as $$
declare
    reason text := left(case new.status
                            when 'cancelled' then format('%s job %s was cancelled', new.kind, new.id)
                            else format('%s job %s is dead: %s', new.kind, new.id,
                                        coalesce(new.last_error, 'no error recorded'))
                        end, 4096);
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

drop trigger job_runs_death_fails_its_subject on job_runs;
create trigger job_runs_end_fails_its_subject
    after update of status on job_runs
    for each row when (new.status in ('dead', 'cancelled')
                       and old.status is distinct from new.status)
    execute function job_death_fails_its_subject();
