-- Tenant isolation and privileges. Every table with an organization_id column (found from
-- the catalog, so 0008's job_runs and any later-added tenant table present at this point
-- are covered) gets row-level security ENABLED and FORCED (the owner is subject to it too)
-- with one policy: a row is visible and writable only when its organization_id equals the
-- transaction's app.organization_id. `organizations` gets the same policy on its id.
-- The application role owns nothing and has no BYPASSRLS; the maintenance role
-- (BYPASSRLS) serves cross-tenant work (feeder, cron, admin CLI) only.

do $$
declare
    t record;
begin
    for t in
        select distinct n.nspname as schema_name, c.relname as table_name
        from information_schema.columns col
        join pg_namespace n on n.nspname = col.table_schema
        join pg_class c on c.relnamespace = n.oid and c.relname = col.table_name
        where col.table_schema = 'public'
          and col.column_name = 'organization_id'
          and c.relkind in ('r', 'p')
          and not c.relispartition
        order by 2
    loop
        execute format('alter table %I.%I enable row level security', t.schema_name, t.table_name);
        execute format('alter table %I.%I force row level security', t.schema_name, t.table_name);
        -- Replace, not duplicate, a policy of the same name an earlier migration may have made.
        if exists (select 1 from pg_policies p
                   where p.schemaname = t.schema_name and p.tablename = t.table_name
                     and p.policyname = 'tenant_isolation') then
            execute format('drop policy tenant_isolation on %I.%I', t.schema_name, t.table_name);
        end if;
        execute format(
            'create policy tenant_isolation on %I.%I '
            'using (organization_id = nullif(current_setting(''app.organization_id'', true), '''')::uuid) '
            'with check (organization_id = nullif(current_setting(''app.organization_id'', true), '''')::uuid)',
            t.schema_name, t.table_name
        );

        -- Application role: full DML on tenant tables, except the append-only audit log.
        if t.table_name = 'audit_logs' then
            execute format('grant select, insert on %I.%I to reachly_app', t.schema_name, t.table_name);
        else
            execute format('grant select, insert, update, delete on %I.%I to reachly_app',
                           t.schema_name, t.table_name);
        end if;
    end loop;
end;
$$;

alter table organizations enable row level security;
alter table organizations force row level security;
create policy tenant_isolation on organizations
    using (id = nullif(current_setting('app.organization_id', true), '')::uuid)
    with check (id = nullif(current_setting('app.organization_id', true), '')::uuid);

-- Schema: nobody but the owner creates objects in public.
revoke create on schema public from public;
grant usage on schema public to reachly_app, reachly_maint;

-- Application role on the tenant root and on global tables.
grant select, insert, update, delete on organizations to reachly_app;
grant select on roles, permissions, role_permissions to reachly_app;
grant select, insert, update on users to reachly_app;
grant select, insert, update on domain_checks to reachly_app;

-- Maintenance role: DML on every table (it bypasses RLS). Event partitions created later
-- by ensure_event_partitions get no grants: they are reached through events.
grant select, insert, update, delete on all tables in schema public to reachly_maint;
