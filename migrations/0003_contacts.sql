-- Contact data: uploaded lists, the contacts in them (one row per person per organization;
-- list membership is a separate table), how addresses are validated and the audit trail of
-- each validation, plus the raw upload (chunked) and the CSV lines that could not be parsed.

create table contact_lists (
    organization_id    uuid        not null references organizations (id),
    id                 uuid        not null default uuid_generate_v7(),
    name               text        not null,
    description        text,
    status             text        not null default 'pending'
                       check (status in ('pending', 'importing', 'validating', 'validated', 'failed')),
    source_filename    text,
    total_rows         bigint      not null default 0,
    valid_count        bigint      not null default 0,
    risky_count        bigint      not null default 0,
    invalid_count      bigint      not null default 0,
    nonexistent_count  bigint      not null default 0,
    duplicate_count    bigint      not null default 0,
    suppressed_count   bigint      not null default 0,
    unparseable_count  bigint      not null default 0,
    created_by         uuid        references users (id) on delete set null,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    deleted_at         timestamptz,
    primary key (organization_id, id)
);

create index contact_lists_org_created_idx on contact_lists (organization_id, created_at);

create trigger contact_lists_touch_updated_at
    before update on contact_lists
    for each row execute function touch_updated_at();

create table contacts (
    organization_id      uuid        not null references organizations (id),
    id                   uuid        not null default uuid_generate_v7(),
    email                text        not null,
    first_name           text,
    last_name            text,
    phone                text,
    company              text,
    custom_fields        jsonb       not null default '{}',
    validation_status    text        not null default 'pending'
                         check (validation_status in ('pending', 'valid', 'risky', 'invalid', 'nonexistent')),
    validation_details   jsonb,
    last_validated_at    timestamptz,
    subscription_status  text        not null default 'subscribed'
                         check (subscription_status in ('subscribed', 'unsubscribed', 'bounced', 'complained')),
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    deleted_at           timestamptz,
    primary key (organization_id, id)
);

-- One contact per person per organization (includes soft-deleted rows). Upsert with
-- ON CONFLICT (organization_id, (lower(email))).
create unique index contacts_org_email_lower_key on contacts (organization_id, lower(email));
create index contacts_org_validation_status_idx on contacts (organization_id, validation_status);

create trigger contacts_touch_updated_at
    before update on contacts
    for each row execute function touch_updated_at();

-- Which contacts are in which list. Pure link rows: they go with either side.
create table contact_list_members (
    organization_id  uuid        not null references organizations (id),
    list_id          uuid        not null,
    contact_id       uuid        not null,
    added_at         timestamptz not null default now(),
    primary key (organization_id, list_id, contact_id),
    foreign key (organization_id, list_id) references contact_lists (organization_id, id) on delete cascade,
    foreign key (organization_id, contact_id) references contacts (organization_id, id) on delete cascade
);

create index contact_list_members_contact_idx on contact_list_members (organization_id, contact_id);

-- Versioned validation rule configuration per organization.
create table validation_rules (
    organization_id  uuid        not null references organizations (id),
    id               uuid        not null default uuid_generate_v7(),
    key              text        not null,
    version          integer     not null default 1,
    config           jsonb       not null default '{}',
    enabled          boolean     not null default true,
    created_at       timestamptz not null default now(),
    primary key (organization_id, id),
    unique (organization_id, key, version)
);

-- Audit trail: one row per validation of one contact, with every rule's verdict.
-- job_run_id has no foreign key (job_runs is defined later and is pruned independently).
-- The contact foreign key is NO ACTION on purpose: GDPR erasure must delete these rows
-- itself (and count them) before it can delete the contact.
create table validation_logs (
    organization_id  uuid        not null references organizations (id),
    id               uuid        not null default uuid_generate_v7(),
    contact_id       uuid        not null,
    list_id          uuid        not null,
    job_run_id       uuid,
    rule_results     jsonb       not null default '{}',
    status           text        not null
                     check (status in ('pending', 'valid', 'risky', 'invalid', 'nonexistent')),
    created_at       timestamptz not null default now(),
    primary key (organization_id, id),
    foreign key (organization_id, contact_id) references contacts (organization_id, id),
    foreign key (organization_id, list_id) references contact_lists (organization_id, id) on delete cascade
);

create index validation_logs_contact_idx on validation_logs (organization_id, contact_id, created_at);
create index validation_logs_list_idx on validation_logs (organization_id, list_id);

-- CSV rows that could not be parsed during an import (raw_line may hold personal data).
create table list_import_errors (
    organization_id  uuid        not null references organizations (id),
    id               uuid        not null default uuid_generate_v7(),
    list_id          uuid        not null,
    line_number      integer     not null,
    raw_line         text,
    reason           text        not null,
    created_at       timestamptz not null default now(),
    primary key (organization_id, id),
    foreign key (organization_id, list_id) references contact_lists (organization_id, id) on delete cascade
);

create index list_import_errors_list_idx on list_import_errors (organization_id, list_id, line_number);

-- The uploaded CSV file, stored in ordered chunks so an upload can be written and read in
-- pieces (no single huge bytea value in memory). seq starts at 0.
create table list_upload_chunks (
    organization_id  uuid        not null references organizations (id),
    list_id          uuid        not null,
    seq              integer     not null check (seq >= 0),
    data             bytea       not null,
    created_at       timestamptz not null default now(),
    primary key (organization_id, list_id, seq),
    foreign key (organization_id, list_id) references contact_lists (organization_id, id) on delete cascade
);
