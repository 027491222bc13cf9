-- The audit trail of every user action: who (actor), from where (the requester's IP address
-- and user agent, masked past the retention window like every other stored IP), what changed
-- (`changes`: {field: {old, new}} where a row changed), and the permission to read it.
-- Append-only for the application role stays as 0009 made it (select, insert).

alter table audit_logs
    add column ip_address inet,
    add column user_agent text check (length(user_agent) <= 1024),
    add column changes    jsonb;

-- The listing's filters, each newest first (ids are UUID v7, time-ordered).
create index audit_logs_subject_idx on audit_logs (organization_id, subject_type, subject_id, id desc);
create index audit_logs_actor_idx on audit_logs (organization_id, actor_user_id, id desc);

insert into permissions (key, description)
values ('audit.read', 'Read the audit trail of user actions')
on conflict (key) do nothing;
insert into role_permissions (role_id, permission_id)
select r.id, p.id from roles r, permissions p
 where r.key = 'admin' and p.key = 'audit.read'
on conflict do nothing;
