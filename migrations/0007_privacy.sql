-- Privacy and accountability: the append-only audit log, GDPR requests and the proof of
-- what each erasure deleted (no personal data in either), the suppression list that stops
-- an erased or unsubscribed address from coming back, and the global DNS/domain cache.

-- Append-only for the application role (it gets SELECT and INSERT only, see 0009).
create table audit_logs (
    organization_id  uuid        not null references organizations (id),
    id               uuid        not null default uuid_generate_v7(),
    actor_user_id    uuid        references users (id) on delete set null,
    action           text        not null,
    subject_type     text,
    subject_id       uuid,
    details          jsonb       not null default '{}',
    created_at       timestamptz not null default now(),
    primary key (organization_id, id)
);

create index audit_logs_org_created_idx on audit_logs (organization_id, created_at desc);

-- The subject is identified only by sha256(lower(email)) as lowercase hex, never the address.
create table gdpr_requests (
    organization_id     uuid        not null references organizations (id),
    id                  uuid        not null default uuid_generate_v7(),
    kind                text        not null check (kind in ('erasure', 'export')),
    subject_email_hash  text        not null check (subject_email_hash ~ '^[0-9a-f]{64}$'),
    status              text        not null default 'pending'
                        check (status in ('pending', 'running', 'completed', 'failed')),
    requested_by        uuid        references users (id) on delete set null,
    job_run_id          uuid,
    result              jsonb,
    created_at          timestamptz not null default now(),
    completed_at        timestamptz,
    primary key (organization_id, id)
);

create index gdpr_requests_org_subject_idx on gdpr_requests (organization_id, subject_email_hash);

-- Proof of an erasure: how many rows it removed from each table. One row per table per
-- request, so a redelivered erasure job can record with ON CONFLICT DO NOTHING.
create table data_deletions (
    organization_id  uuid        not null references organizations (id),
    id               uuid        not null default uuid_generate_v7(),
    gdpr_request_id  uuid        not null,
    table_name       text        not null,
    rows_deleted     bigint      not null default 0 check (rows_deleted >= 0),
    created_at       timestamptz not null default now(),
    primary key (organization_id, id),
    unique (organization_id, gdpr_request_id, table_name),
    foreign key (organization_id, gdpr_request_id) references gdpr_requests (organization_id, id)
);

-- Addresses that must not be imported or mailed again, by sha256(lower(email)) hex.
create table suppressions (
    organization_id  uuid        not null references organizations (id),
    id               uuid        not null default uuid_generate_v7(),
    email_hash       text        not null check (email_hash ~ '^[0-9a-f]{64}$'),
    reason           text        not null
                     check (reason in ('gdpr_erasure', 'unsubscribe', 'complaint', 'hard_bounce', 'manual')),
    created_at       timestamptz not null default now(),
    primary key (organization_id, id),
    unique (organization_id, email_hash)
);

-- GLOBAL cache (no organization_id, no RLS): a domain's deliverability is the same for
-- every tenant, so workers share lookups. Domains are stored lowercase.
create table domain_checks (
    domain      text        not null primary key check (domain = lower(domain)),
    status      text        not null,
    mx_hosts    text[],
    details     jsonb,
    checked_at  timestamptz not null default now(),
    expires_at  timestamptz not null
);

create index domain_checks_expires_idx on domain_checks (expires_at);
