-- Users are global (one person may belong to several organizations), so they carry no
-- organization_id; but a tenant must still see only its own members. The application role
-- sees a user only through a membership of the current organization (memberships is itself
-- row-level secured) and cannot create or change users: the admin commands do that as the
-- maintenance role.
revoke insert, update, delete on users from reachly_app;
grant select on users to reachly_app;

alter table users enable row level security;
alter table users force row level security;

create policy member_of_current_organization on users
    for select
    using (exists (select 1 from memberships m where m.user_id = users.id));
