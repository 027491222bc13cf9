-- No tenant writes state another tenant reads.
--
-- 1. Memberships: the application role could insert a membership of any existing user id
--    into its organization, after which that user's email became visible to it (users are
--    visible through a membership, 0010). Memberships are created and changed by the admin
--    commands as the maintenance role; the application role only reads them.
-- 2. domain_checks, the DNS verdicts every tenant's validation shares: writable by the
--    application role, so one tenant could mark a domain `nonexistent` for all. The worker
--    writes verdicts it resolved itself through the maintenance role; the application role
--    only reads them.
revoke insert, update, delete on memberships from reachly_app;
revoke insert, update, delete on domain_checks from reachly_app;
grant select on memberships, domain_checks to reachly_app;
