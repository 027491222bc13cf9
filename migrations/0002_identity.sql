-- Identity and authorization: tenants (organizations), people (users, global: one login can
-- belong to several organizations), what they may do (roles, permissions) and where
-- (memberships, tenant-scoped). The API reads memberships and role permissions from here on
-- every request, so revoking a membership takes effect at once.

create table organizations (
    id          uuid        not null default uuid_generate_v7() primary key,
    slug        text        not null unique,
    name        text        not null,
    settings    jsonb       not null default '{}',
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    deleted_at  timestamptz
);

create trigger organizations_touch_updated_at
    before update on organizations
    for each row execute function touch_updated_at();

-- Global table (no organization_id): a user is the same person in every organization.
create table users (
    id             uuid        not null default uuid_generate_v7() primary key,
    email          text        not null,
    name           text,
    password_hash  text,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    deleted_at     timestamptz
);

-- Case-insensitive uniqueness; use ON CONFLICT ((lower(email))) to upsert.
create unique index users_email_lower_key on users (lower(email));

create trigger users_touch_updated_at
    before update on users
    for each row execute function touch_updated_at();

-- Global catalogue of roles and permissions (seeded below).
create table roles (
    id           uuid        not null default uuid_generate_v7() primary key,
    key          text        not null unique,
    name         text        not null,
    description  text,
    created_at   timestamptz not null default now()
);

create table permissions (
    id           uuid        not null default uuid_generate_v7() primary key,
    key          text        not null unique,
    description  text,
    created_at   timestamptz not null default now()
);

create table role_permissions (
    role_id        uuid not null references roles (id) on delete cascade,
    permission_id  uuid not null references permissions (id) on delete cascade,
    primary key (role_id, permission_id)
);

create index role_permissions_permission_idx on role_permissions (permission_id);

-- Tenant table: a user's role in one organization.
create table memberships (
    organization_id  uuid        not null references organizations (id),
    id               uuid        not null default uuid_generate_v7(),
    user_id          uuid        not null references users (id) on delete cascade,
    role_id          uuid        not null references roles (id),
    status           text        not null default 'active'
                     check (status in ('active', 'invited', 'suspended', 'revoked')),
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    primary key (organization_id, id),
    unique (organization_id, user_id)
);

create index memberships_user_idx on memberships (user_id);
create index memberships_role_idx on memberships (role_id);

create trigger memberships_touch_updated_at
    before update on memberships
    for each row execute function touch_updated_at();

-- Seeds. Looked up by key, never by id; idempotent.
insert into roles (key, name, description) values
    ('admin',      'Administrator', 'Everything, including GDPR requests and operations management'),
    ('consultant', 'Consultant',    'Imports lists, sends campaigns, works with leads'),
    ('viewer',     'Viewer',        'Read-only access to lists, campaigns, leads and operations')
on conflict (key) do nothing;

insert into permissions (key, description) values
    ('list.import',   'Upload and import contact lists'),
    ('list.read',     'Read contact lists and contacts'),
    ('campaign.send', 'Launch campaigns'),
    ('campaign.read', 'Read campaigns and their analytics'),
    ('lead.read',     'Read leads and form responses'),
    ('lead.export',   'Export leads'),
    ('gdpr.erase',    'Erase all data about a person'),
    ('gdpr.export',   'Export all data about a person'),
    ('ops.view',      'View job queues and job status'),
    ('ops.manage',    'Retry, cancel and manage jobs')
on conflict (key) do nothing;

insert into role_permissions (role_id, permission_id)
select r.id, p.id
from (values
        ('admin', 'list.import'), ('admin', 'list.read'), ('admin', 'campaign.send'),
        ('admin', 'campaign.read'), ('admin', 'lead.read'), ('admin', 'lead.export'),
        ('admin', 'gdpr.erase'), ('admin', 'gdpr.export'), ('admin', 'ops.view'),
        ('admin', 'ops.manage'),
        ('consultant', 'list.import'), ('consultant', 'list.read'),
        ('consultant', 'campaign.send'), ('consultant', 'campaign.read'),
        ('consultant', 'lead.read'), ('consultant', 'lead.export'), ('consultant', 'ops.view'),
        ('viewer', 'list.read'), ('viewer', 'campaign.read'), ('viewer', 'lead.read'),
        ('viewer', 'ops.view')
     ) as g (role_key, permission_key)
join roles r on r.key = g.role_key
join permissions p on p.key = g.permission_key
on conflict do nothing;
