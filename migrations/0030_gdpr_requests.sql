-- GDPR export and erasure of one person: what a request holds while it runs, where an export
-- waits for its download, how an erasure proves what it removed, and the one way the
-- application role may scrub audit rows about the person.

-- The address a request is about, kept only while the request is open: its job reads it to
-- find the person, and completing the request clears it (the keyed hash stays, so a receipt
-- can be matched to a later request about the same address, and nothing else can).
alter table gdpr_requests
    add column subject_email text check (length(subject_email) <= 320),
    add constraint gdpr_requests_no_address_once_completed
        check (status <> 'completed' or subject_email is null);

-- Row-level security as every tenant table has it (0009): enabled, forced (the owner too), and
-- one policy keeping each row to the transaction's organization. For the tables created from
-- here on, so each states it in one line.
create function enable_tenant_isolation(p_table regclass) returns void
language plpgsql
as $$
declare
    mine constant text :=
        'organization_id = nullif(current_setting(''app.organization_id'', true), '''')::uuid';
begin
    execute format('alter table %s enable row level security', p_table);
    execute format('alter table %s force row level security', p_table);
    execute format('create policy tenant_isolation on %s using (%s) with check (%s)',
                   p_table, mine, mine);
end;
$$;
revoke all on function enable_tenant_isolation(regclass) from public;

-- A finished export: the document, downloadable until `expires_at` (REACHLY_GDPR_EXPORT_TTL_HOURS);
-- the nightly ip_anonymization run deletes expired ones, and erasing the person deletes theirs.
create table gdpr_exports (
    organization_id  uuid        not null references organizations (id),
    gdpr_request_id  uuid        not null,
    document         jsonb       not null,
    bytes            bigint      not null check (bytes >= 0),
    created_at       timestamptz not null default now(),
    expires_at       timestamptz not null,
    primary key (organization_id, gdpr_request_id),
    foreign key (organization_id, gdpr_request_id) references gdpr_requests (organization_id, id)
);

create index gdpr_exports_expiry_idx on gdpr_exports (organization_id, expires_at);

select enable_tenant_isolation('gdpr_exports');
grant select, insert, update, delete on gdpr_exports to reachly_app, reachly_maint;

-- An export shows IP addresses as stored; those that pass the retention window while the
-- export waits for its download are masked in the document by the nightly ip_anonymization
-- run, as they are in their tables. `p_entries`: a JSON array of entries, each with an
-- `ip_address` and a time under `p_time_key`; entries older than `p_cutoff` get their
-- address masked (the others are returned as they are).
create function mask_export_ips(p_entries jsonb, p_time_key text, p_cutoff timestamptz)
returns jsonb
language sql stable parallel safe
as $$
    select coalesce(jsonb_agg(
               case when (e ->> p_time_key)::timestamptz < p_cutoff and e ->> 'ip_address' is not null
                    then jsonb_set(e, '{ip_address}', to_jsonb(host(mask_ip((e ->> 'ip_address')::inet))))
                    else e end
               order by n), '[]'::jsonb)
      from jsonb_array_elements(p_entries) with ordinality as t(e, n)
$$;

-- An erasure's proof counts rows deleted and, apart, rows kept with a column scrubbed.
alter table data_deletions
    add column rows_scrubbed bigint not null default 0 check (rows_scrubbed >= 0);

-- Audit rows stay append-only for the application role. Erasing a person clears the fields
-- of the rows about them (a lead or contact of theirs) that could describe them, through
-- this function: owned by the owner, still under the forced tenant policy (only the
-- transaction's organization), touching only details, changes, ip_address and user_agent of
-- rows about `p_subject_ids`; the action, actor, subject and time stay. Returns how many rows
-- it changed (a row already scrubbed is not rewritten).
create function scrub_audit_subjects(p_subject_ids uuid[]) returns integer
language plpgsql
security definer
set search_path = public
as $$
declare
    scrubbed integer;
begin
    update audit_logs
       set details = '{}', changes = null, ip_address = null, user_agent = null
     where organization_id = nullif(current_setting('app.organization_id', true), '')::uuid
       and subject_type in ('contact', 'lead')
       and subject_id = any (p_subject_ids)
       and (details <> '{}' or changes is not null or ip_address is not null
            or user_agent is not null);
    get diagnostics scrubbed = row_count;
    return scrubbed;
end;
$$;

alter function scrub_audit_subjects(uuid[]) owner to reachly_owner;
revoke all on function scrub_audit_subjects(uuid[]) from public;
grant execute on function scrub_audit_subjects(uuid[]) to reachly_app;

-- A GDPR job that dies or is cancelled fails its request, as an import's fails its list.
create function job_end_fails_its_gdpr_request() returns trigger
language plpgsql as $$
begin
    update gdpr_requests
       set status = 'failed', completed_at = now(),
           result = jsonb_build_object('error', format('%s job %s is %s', new.kind, new.id, new.status))
     where organization_id = new.organization_id
       and id = job_subject(new.payload, 'request_id')
       and status in ('pending', 'running');
    return null;
end $$;

create trigger job_runs_end_fails_its_gdpr_request
    after update of status on job_runs
    for each row when (new.kind in ('gdpr_export', 'gdpr_erasure')
                       and new.status in ('dead', 'cancelled')
                       and old.status is distinct from new.status)
    execute function job_end_fails_its_gdpr_request();
