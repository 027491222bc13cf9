-- Suppression entries keyed with a per-deployment secret. A bare sha256 of an address is
-- reversible by dictionary (hash every address of a purchased list and compare); an HMAC with
-- a key the database never stores is not. An entry is HMAC-SHA256(key, sha256(lower(address))):
-- the engine can key an existing bare entry without knowing the address, which is how entries
-- written before this migration (keyed = false) are converted, by the jobs that read them,
-- with the key from REACHLY_SUPPRESSION_KEY (never visible to a migration).

create extension if not exists pgcrypto;

alter table suppressions add column keyed boolean not null default false;

-- The keyed hash of an address (`p_key`: the deployment's secret), as suppressions store it.
create function suppression_hash(p_email text, p_key bytea) returns text
language sql immutable strict parallel safe
as $$
    select encode(public.hmac(sha256(convert_to(lower(p_email), 'UTF8')), p_key, 'sha256'), 'hex')
$$;
