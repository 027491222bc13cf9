-- campaign_contact_assignments reference their campaign and contact without foreign keys'
-- row locks. A launch writes one assignment per recipient, and each row's foreign-key check
-- locked its contact `FOR KEY SHARE` (a write to every recipient's contact tuple) and the
-- same campaign and organization rows again and again. Measured on 192,515 assignments of a
-- fresh 200k list (`INSERT … SELECT` of the same rows): 5.5 s with the three foreign keys,
-- 3.2 s without the contact's, 3.2 s without the campaign's and organization's, 1.4 s without
-- any. The launch is the moment a broker waits for, right after validation.
--
-- Both references are checked once per statement instead, set-based, over the rows the
-- statement wrote (0012's reference_must_exist: SQLSTATE 23503, as the inserting role, so
-- under row-level security another organization's rows do not exist). The campaign implies
-- the organization. The references never change after insert (a send batch updates only the
-- status), which a row trigger enforces cheaply (its WHEN clause is evaluated without calling
-- a function). What the foreign keys' ON DELETE CASCADE did is done by triggers: deleting a
-- campaign or a contact deletes its assignments.

alter table campaign_contact_assignments
    drop constraint campaign_contact_assignments_organization_id_campaign_id_fkey,
    drop constraint campaign_contact_assignments_organization_id_contact_id_fkey,
    drop constraint campaign_contact_assignments_organization_id_fkey;

create trigger assignments_campaign_exists_after_insert
    after insert on campaign_contact_assignments referencing new table as written
    for each statement execute function reference_must_exist('campaigns', 'campaign_id');
create trigger assignments_contact_exists_after_insert
    after insert on campaign_contact_assignments referencing new table as written
    for each statement execute function reference_must_exist('contacts', 'contact_id');

create function assignment_references_are_fixed() returns trigger
language plpgsql as $$
begin
    raise exception 'an assignment''s organization, campaign and contact cannot change'
        using errcode = '23503';
end $$;

create trigger assignment_references_are_fixed
    before update on campaign_contact_assignments
    for each row
    when (new.organization_id is distinct from old.organization_id
          or new.campaign_id is distinct from old.campaign_id
          or new.contact_id is distinct from old.contact_id)
    execute function assignment_references_are_fixed();

create function delete_their_assignments() returns trigger
language plpgsql as $$
begin
    if tg_table_name = 'campaigns' then
        delete from campaign_contact_assignments
         where organization_id = old.organization_id and campaign_id = old.id;
    else
        delete from campaign_contact_assignments
         where organization_id = old.organization_id and contact_id = old.id;
    end if;
    return old;
end $$;

create trigger campaigns_delete_their_assignments
    before delete on campaigns
    for each row execute function delete_their_assignments();
create trigger contacts_delete_their_assignments
    before delete on contacts
    for each row execute function delete_their_assignments();
