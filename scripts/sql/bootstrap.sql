-- Reachly jobs: cluster bootstrap (roles + database). Run as a PostgreSQL superuser with psql.
--
--   scripts/services.sh runs it for you; by hand:
--     psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -f scripts/sql/bootstrap.sql
--     runuser -u postgres -- psql -d postgres -v ON_ERROR_STOP=1 -f - < scripts/sql/bootstrap.sql
--   It also works as a /docker-entrypoint-initdb.d/ script of the official postgres image.
--
-- Idempotent: safe to run any number of times. It converges the three roles to the attributes
-- and (development-only) passwords below, creates database `reachly` if missing and hands it and
-- its `public` schema to reachly_owner. It creates no tables: the sqlx migrations, run as
-- reachly_owner, own the schema, RLS policies and the grants to the other two roles.
--
--   reachly_owner  owns the database and every object (migrations, tests creating databases)
--   reachly_app    the request/job path: owns nothing, never bypasses RLS
--   reachly_maint  cross-tenant maintenance (nightly rollup, IP anonymization): BYPASSRLS
--
-- Uses psql meta-commands (\gexec, \connect): it is a psql script, not plain SQL.

\set ON_ERROR_STOP on
SET client_min_messages = warning;

-- Roles ---------------------------------------------------------------------------------------
-- CREATE ROLE has no IF NOT EXISTS: check pg_roles, then ALTER unconditionally so a role that
-- already existed (created by hand, or NOLOGIN by an older migration) ends up as specified.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'reachly_owner') THEN
        CREATE ROLE reachly_owner;
    END IF;
    ALTER ROLE reachly_owner WITH LOGIN CREATEDB NOSUPERUSER PASSWORD 'reachly_owner';

    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'reachly_app') THEN
        CREATE ROLE reachly_app;
    END IF;
    ALTER ROLE reachly_app WITH LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE
        PASSWORD 'reachly_app';

    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'reachly_maint') THEN
        CREATE ROLE reachly_maint;
    END IF;
    ALTER ROLE reachly_maint WITH LOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE
        PASSWORD 'reachly_maint';
END
$$;

-- Database ------------------------------------------------------------------------------------
-- CREATE DATABASE cannot run inside a DO block (nor a transaction): let psql execute the
-- statement that the query returns, and only when the database is missing. template0 + UTF8 so
-- the database is UTF8 even on a cluster initialised with the C/SQL_ASCII defaults of a bare
-- container (the locale is inherited from the cluster).
SELECT 'CREATE DATABASE reachly OWNER reachly_owner TEMPLATE template0 ENCODING ''UTF8'''
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = 'reachly')
\gexec

ALTER DATABASE reachly OWNER TO reachly_owner;
GRANT CONNECT, TEMPORARY ON DATABASE reachly TO reachly_app, reachly_maint;

-- Inside the database -------------------------------------------------------------------------
\connect reachly
SET client_min_messages = warning;

-- PostgreSQL 15 makes `public` owned by pg_database_owner with no CREATE for PUBLIC; make the
-- owner explicit so migrations (run as reachly_owner) can create and grant in it everywhere.
ALTER SCHEMA public OWNER TO reachly_owner;
GRANT USAGE ON SCHEMA public TO reachly_app, reachly_maint;
