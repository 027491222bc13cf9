-- Foundation shared by every later migration: the extensions and small functions that
-- column defaults, triggers and row-level-security policies rely on.

-- pgcrypto: digest() for sha256 email hashes (suppressions, GDPR requests).
create extension if not exists pgcrypto;

-- RFC 9562 UUID version 7: 48-bit big-endian unix time in milliseconds, then the version
-- nibble 0111, then random bits with the RFC variant (10). Time-ordered ids keep B-tree
-- inserts at the right edge of the index (a random v4 key was ~2x slower on bulk COPY).
-- Built from gen_random_uuid() (v4, which already carries the variant bits): the first 6
-- bytes are replaced by the timestamp and the version nibble is turned from 0100 into 0111
-- by setting bits 52 and 53 (set_bit numbers bits from the low end of each byte).
create or replace function uuid_generate_v7() returns uuid
language sql volatile parallel safe
as $$
    select encode(
        set_bit(
            set_bit(
                overlay(
                    uuid_send(gen_random_uuid())
                    placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
                    from 1 for 6
                ),
                52, 1
            ),
            53, 1
        ),
        'hex'
    )::uuid
$$;

comment on function uuid_generate_v7() is
    'RFC 9562 UUID v7 (unix ms timestamp, version 7, RFC variant, random rest); default for every id column.';

-- The organization the current transaction acts for, as set by the application's tenancy
-- helper with set_config('app.organization_id', $1, true). NULL when unset or empty, so a
-- forgotten set_config matches no row instead of raising.
create or replace function current_organization_id() returns uuid
language sql stable parallel safe
as $$
    select nullif(current_setting('app.organization_id', true), '')::uuid
$$;

comment on function current_organization_id() is
    'Tenant of the current transaction (app.organization_id), NULL when unset.';

-- BEFORE UPDATE trigger that stamps updated_at on every table that has the column.
create or replace function touch_updated_at() returns trigger
language plpgsql
as $$
begin
    new.updated_at := now();
    return new;
end;
$$;

comment on function touch_updated_at() is
    'BEFORE UPDATE row trigger: sets updated_at to now().';
