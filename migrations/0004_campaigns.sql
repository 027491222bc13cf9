-- Campaigns and what they are made of: email templates, landing-page forms and their
-- fields, the campaign itself, which contact is assigned to which send batch, and the seed
-- and configuration of the send simulator (sending is simulated; its events are real rows).

create table email_templates (
    organization_id  uuid        not null references organizations (id),
    id               uuid        not null default uuid_generate_v7(),
    name             text        not null,
    subject          text,
    html_body        text,
    text_body        text,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    primary key (organization_id, id)
);

create trigger email_templates_touch_updated_at
    before update on email_templates
    for each row execute function touch_updated_at();

create table forms (
    organization_id  uuid        not null references organizations (id),
    id               uuid        not null default uuid_generate_v7(),
    name             text        not null,
    slug             text        not null,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    primary key (organization_id, id),
    unique (organization_id, slug)
);

create trigger forms_touch_updated_at
    before update on forms
    for each row execute function touch_updated_at();

create table form_fields (
    organization_id  uuid        not null references organizations (id),
    id               uuid        not null default uuid_generate_v7(),
    form_id          uuid        not null,
    key              text        not null,
    label            text        not null,
    field_type       text        not null
                     check (field_type in ('text', 'email', 'phone', 'date', 'zip', 'select', 'checkbox', 'number')),
    required         boolean     not null default false,
    options          jsonb,
    position         integer     not null default 0,
    primary key (organization_id, id),
    unique (organization_id, form_id, key),
    foreign key (organization_id, form_id) references forms (organization_id, id) on delete cascade
);

create table campaigns (
    organization_id  uuid        not null references organizations (id),
    id               uuid        not null default uuid_generate_v7(),
    name             text        not null,
    subject          text,
    from_name        text,
    from_email       text,
    list_id          uuid        not null,
    template_id      uuid        not null,
    form_id          uuid,
    status           text        not null default 'draft'
                     check (status in ('draft', 'scheduled', 'sending', 'completed', 'cancelled', 'failed')),
    scheduled_at     timestamptz,
    started_at       timestamptz,
    completed_at     timestamptz,
    counts           jsonb       not null default '{}',
    created_by       uuid        references users (id) on delete set null,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    deleted_at       timestamptz,
    primary key (organization_id, id),
    foreign key (organization_id, list_id) references contact_lists (organization_id, id),
    foreign key (organization_id, template_id) references email_templates (organization_id, id),
    foreign key (organization_id, form_id) references forms (organization_id, id)
);

create index campaigns_org_status_created_idx on campaigns (organization_id, status, created_at);
-- Cross-tenant scan by the scheduler (maintenance role) for campaigns that are due.
create index campaigns_scheduled_due_idx on campaigns (scheduled_at) where status = 'scheduled';

create trigger campaigns_touch_updated_at
    before update on campaigns
    for each row execute function touch_updated_at();

-- Which contact a campaign sends to, in which batch, and how far it got.
create table campaign_contact_assignments (
    organization_id  uuid        not null references organizations (id),
    campaign_id      uuid        not null,
    contact_id       uuid        not null,
    status           text        not null default 'pending'
                     check (status in ('pending', 'sent', 'delivered', 'bounced', 'failed', 'skipped')),
    batch_no         integer,
    assigned_at      timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    primary key (organization_id, campaign_id, contact_id),
    foreign key (organization_id, campaign_id) references campaigns (organization_id, id) on delete cascade,
    foreign key (organization_id, contact_id) references contacts (organization_id, id) on delete cascade
);

create index campaign_contact_assignments_batch_idx
    on campaign_contact_assignments (organization_id, campaign_id, batch_no);
create index campaign_contact_assignments_contact_idx
    on campaign_contact_assignments (organization_id, contact_id);

create trigger campaign_contact_assignments_touch_updated_at
    before update on campaign_contact_assignments
    for each row execute function touch_updated_at();

-- The simulator's seed and knobs for one campaign, so a send can be replayed exactly.
create table email_send_simulations (
    organization_id  uuid        not null references organizations (id),
    id               uuid        not null default uuid_generate_v7(),
    campaign_id      uuid        not null,
    seed             bigint      not null,
    config           jsonb       not null default '{}',
    created_at       timestamptz not null default now(),
    primary key (organization_id, id),
    unique (organization_id, campaign_id),
    foreign key (organization_id, campaign_id) references campaigns (organization_id, id) on delete cascade
);
