-- validation_logs reference their list without a foreign key's row lock, for the reason
-- 0012 gives for events: every log row of a list locked the same contact_lists row (which
-- every validate batch also updates, its counters) and the same organizations row
-- `FOR KEY SHARE`, so concurrent batches queued on multixacts. The list is checked once
-- per statement over the rows it wrote (0012's reference_must_exist: 23503, as the
-- inserting role, so row-level security applies); the organization is implied by the
-- contact, whose foreign key stays; deleting a list still deletes its logs (the foreign
-- key's ON DELETE CASCADE), by trigger.

alter table validation_logs drop constraint validation_logs_organization_id_list_id_fkey;
alter table validation_logs drop constraint validation_logs_organization_id_fkey;

create trigger validation_logs_list_exists_after_insert
    after insert on validation_logs referencing new table as written
    for each statement execute function reference_must_exist('contact_lists', 'list_id');
create trigger validation_logs_list_exists_after_update
    after update on validation_logs referencing new table as written
    for each statement execute function reference_must_exist('contact_lists', 'list_id');

create function contact_lists_delete_their_logs() returns trigger
language plpgsql as $$
begin
    delete from validation_logs
     where organization_id = old.organization_id and list_id = old.id;
    return old;
end $$;

create trigger contact_lists_delete_their_logs
    before delete on contact_lists
    for each row execute function contact_lists_delete_their_logs();
