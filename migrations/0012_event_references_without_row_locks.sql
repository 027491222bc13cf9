-- Events reference their campaign without a foreign key's row lock.
--
-- A foreign key checks each inserted row with SELECT ... FOR KEY SHARE on the referenced
-- row. Every event of a campaign references the same campaigns row (and the same
-- organizations row), so concurrent send batches all lock those two rows, Postgres turns
-- the lockers into multixacts, and each further check reads the multixact SLRU: measured at
-- 1M recipients, a fifth of the busy backends' time waited on MultiXact SLRU locks inside
-- `insert into events`. The campaign row is also updated by every batch (its counters).
--
-- The reference is checked instead once per statement, set-based, over the rows the
-- statement wrote (a transition table), raising the same SQLSTATE as a foreign key (23503).
-- The check runs as the inserting role, so under row-level security a campaign of another
-- organization does not exist for it. The campaign implies its organization, so the
-- organization reference goes too. What the foreign key's NO ACTION did on the other side
-- (refusing to delete a campaign that has events) is a trigger on campaigns. The contact
-- reference stays a foreign key: each contact is referenced by one batch only.

alter table events drop constraint events_organization_id_campaign_id_fkey;
alter table events drop constraint events_organization_id_fkey;

-- Checks, once per statement, that every written row's (organization_id, <column>) names a
-- row (organization_id, id) of <parent table>: trigger arguments (parent table, column),
-- transition table `written`. Shared by every table that references a hot parent row.
create function reference_must_exist() returns trigger
language plpgsql as $$
declare
    dangling boolean;
begin
    execute format(
        'select exists (
             select 1
               from (select distinct organization_id, %1$I as ref from written) w
              where not exists (select 1 from %2$I p
                                 where p.organization_id = w.organization_id and p.id = w.ref))',
        tg_argv[1], tg_argv[0])
    into dangling;
    if dangling then
        raise exception 'insert or update on table "%" violates its reference to %',
            tg_table_name, tg_argv[0]
            using errcode = '23503',
                  detail = format('(organization_id, %s) must name an existing row of %s.',
                                  tg_argv[1], tg_argv[0]);
    end if;
    return null;
end $$;

create trigger events_campaign_exists_after_insert
    after insert on events referencing new table as written
    for each statement execute function reference_must_exist('campaigns', 'campaign_id');
create trigger events_campaign_exists_after_update
    after update on events referencing new table as written
    for each statement execute function reference_must_exist('campaigns', 'campaign_id');

create function campaigns_keep_their_events() returns trigger
language plpgsql as $$
begin
    if exists (select 1 from events e
                where e.organization_id = old.organization_id and e.campaign_id = old.id) then
        raise exception 'campaign % still has events', old.id
            using errcode = '23503';
    end if;
    return old;
end $$;

create trigger campaigns_keep_their_events
    before delete on campaigns
    for each row execute function campaigns_keep_their_events();
